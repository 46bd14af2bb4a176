import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { verificationKeys, type TransakCredentials } from '../shared/credentials';
import { recentKeysFor } from '../shared/dedupe';
import { KYC_EVENTS, ORDER_EVENTS } from '../shared/events';
import { extractToken, handleDelivery } from '../shared/webhookHandler';
import { verifierFor } from '../shared/verifierCache';

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
		version: 1,
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
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName:
					'Give Transak this node\'s Production URL as your Order (and KYC) webhook URL. Transak registers webhook URLs by hand: contact Transak support or use the Partner Dashboard. Every delivery is verified with the access token of the credential.',
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
		const credentials = (await this.getCredentials('transakApi')) as unknown as TransakCredentials;
		const events = this.getNodeParameter('events', []) as string[];
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const windowSeconds = Number(options.deduplicationWindow ?? DEFAULT_DEDUPLICATION_SECONDS);
		const node = this.getNode();
		const scope = `${this.getWorkflow().id ?? ''}|${node.id ?? node.name}`;

		const request = this.getRequestObject();
		const token = extractToken(this.getBodyData(), (request as { rawBody?: Buffer }).rawBody);
		const outcome = handleDelivery(token, {
			verifier: verifierFor(verificationKeys(credentials)),
			events,
			recent: windowSeconds > 0 ? recentKeysFor(scope, windowSeconds * 1000) : undefined,
		});

		if (outcome.emit !== undefined) {
			return { workflowData: [[{ json: outcome.emit.json }]] };
		}
		if (outcome.status !== 200) {
			this.logger.debug(`Transak Trigger refused a delivery (${outcome.status}): ${outcome.reason}`);
		}
		this.getResponseObject().status(outcome.status).json(ANSWERS[outcome.status]).end();
		return { noWebhookResponse: true };
	}
}
