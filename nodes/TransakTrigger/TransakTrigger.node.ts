import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { admit } from '../shared/admission';
import { deliveryKey, recentKeysFor } from '../shared/dedupe';
import { KYC_EVENTS, ORDER_EVENTS } from '../shared/events';
import { readUnparsedBody } from '../shared/requestBody';
import {
	extractToken,
	handleDelivery,
	isEmptyBody,
	MAX_BODY_BYTES,
} from '../shared/webhookHandler';
import { WebhookKeys } from '../shared/webhookKeys';
import { sharedDeliveryWindow } from '../Transak/webhook/sharedWindow';

/** Bodies that tell a caller what went wrong without helping a forger. */
const ANSWERS: Record<number, { message: string }> = {
	200: { message: 'Received' },
	400: { message: 'Bad request: expected a JSON body {"data": "<JWT>"}' },
	401: { message: 'Unauthorized' },
	413: { message: 'Payload too large' },
};

const DEFAULT_DEDUPLICATION_SECONDS = 600;

export class TransakTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak Trigger',
		name: 'transakTrigger',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves as version 1. n8n evaluates an expression for every request to a version 1
		// webhook node (the Webhook node's old binaryData option), which costs more than verifying
		// the delivery; from version 2 it does not.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["events"].length ? $parameter["events"].join(", ") : "All events"}}',
		description: 'Starts the workflow when Transak sends a signed order or KYC webhook',
		defaults: { name: 'Transak Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'transakApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// An empty 200. n8n's default (firstEntryJson) would answer with that literal word, and an
				// expression here would cost n8n an expression sandbox on every delivery.
				responseData: 'noData',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName:
					"Give Transak this node's Production URL as your Order (and KYC) webhook URL. Transak registers webhook URLs by hand: contact Transak support or use the Partner Dashboard. Every delivery is verified with the access token of the credential.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: [...ORDER_EVENTS, ...KYC_EVENTS],
				default: [],
				description:
					'Which events start the workflow. Leave empty for every event. Other genuine events are still acknowledged, so Transak does not retry them.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Ignore Repeats Within (Seconds)',
						name: 'deduplicationWindow',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: DEFAULT_DEDUPLICATION_SECONDS,
						description:
							'A delivery with the same event, order (or user) and status as one received this many seconds before is acknowledged but does not start the workflow again. 0 turns this off.',
					},
					{
						displayName: 'Share Window Across Processes (Queue Mode)',
						name: 'shareDeduplicationWindow',
						type: 'boolean',
						default: true,
						description:
							"Whether, in queue mode, all webhook processes share one de-duplication window through n8n's Redis, so that a delivery reaching two processes starts one execution. If Redis cannot be used, deliveries are accepted with each process's own window.",
					},
				],
			},
		],
	};

	// Transak webhook URLs are registered by hand, so there is nothing to create or delete.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const events = this.getNodeParameter('events', []) as string[];
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const windowSeconds = Number(options.deduplicationWindow ?? DEFAULT_DEDUPLICATION_SECONDS);
		const windowMs = windowSeconds * 1000;
		const node = this.getNode();
		const workflowId = String(this.getWorkflow().id ?? '');
		const nodeId = node.id ?? node.name;
		const scope = `${workflowId}|${nodeId}`;

		const body = this.getBodyData();
		const unparsed = isEmptyBody(body)
			? await readUnparsedBody(this.getRequestObject(), MAX_BODY_BYTES)
			: { tooLarge: false };
		if (unparsed.tooLarge) {
			this.getResponseObject().status(413).json(ANSWERS[413]).end();
			return { noWebhookResponse: true };
		}
		const token = extractToken(body, unparsed.raw);
		// Repeats are decided below, where a copy can wait for the first copy's hand-off to n8n.
		const keys = new WebhookKeys(this, scope);
		let outcome = handleDelivery(token, { verifier: await keys.verifier(), events });
		if (outcome.status === 401) {
			// Perhaps the token was rotated in the credential since the keys were read.
			const fresher = await keys.retryVerifier();
			if (fresher !== undefined) outcome = handleDelivery(token, { verifier: fresher, events });
		}

		if (outcome.emit !== undefined && windowSeconds > 0) {
			const logger = this.logger;
			const window =
				options.shareDeduplicationWindow !== false
					? sharedDeliveryWindow((message: string) => logger.warn(message))
					: undefined;
			const event = outcome.emit;
			const accepted = await admit({
				scope,
				recent: recentKeysFor(scope, windowMs),
				event,
				response: this.getResponseObject(),
				shared:
					window === undefined
						? undefined
						: {
								window,
								key: window.keyFor(
									workflowId,
									nodeId,
									deliveryKey(event.eventID, event.subjectId, event.status),
								),
								windowMs,
							},
			});
			if (!accepted) {
				this.getResponseObject().status(200).json(ANSWERS[200]).end();
				return { noWebhookResponse: true };
			}
		}
		if (outcome.emit !== undefined) {
			return { workflowData: [[{ json: outcome.emit.json }]] };
		}
		if (outcome.status !== 200) {
			this.logger.debug(
				`Transak Trigger refused a delivery (${outcome.status}): ${outcome.reason}`,
			);
		}
		this.getResponseObject().status(outcome.status).json(ANSWERS[outcome.status]).end();
		return { noWebhookResponse: true };
	}
}
