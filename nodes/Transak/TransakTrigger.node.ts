import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import {
	eventsProperty,
	maxDeliveryAgeOption,
	optionsCollection,
	personalDataProperty,
} from './descriptions';
import { maxDeliveryAgeHours } from './model/replay';
import { quoteServerText } from './text/serverText';
import { KYC_EVENTS, ORDER_EVENTS } from './model/statuses';
import { personalDataProtection } from './personalData';
import { CREDENTIAL_TYPE } from './transport/credentials';
import { SIGNATURE_MISMATCH } from './verification/jwt';
import { WebhookKeys } from './verification/keyring';
import { admitDelivery } from './webhook/admission';
import { answer, handleDelivery } from './webhook/answer';
import { extractToken, isEmptyBody, MAX_BODY_BYTES, readUnparsedBody } from './webhook/body';
import { DEFAULT_TEST_EVENT, sendLatestDelivery, TEST_EVENT_OPTIONS } from './webhook/testEvent';

const DEFAULT_DEDUPLICATION_SECONDS = 600;

/** The trigger panel's first paragraph, whether or not the workflow is published. */
const WHILE_YOU_BUILD =
	"<b>While you build</b>: click 'Listen for test event'. The node then fetches Transak's latest webhook delivery of a selected event and sends it to the test URL (option <i>Test Event</i>), so the first event arrives without waiting for Transak.<br /><br />";

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
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		triggerPanel: {
			header: 'Transak posts signed order and KYC webhooks to this node',
			executionsHelp: {
				inactive:
					WHILE_YOU_BUILD +
					"<b>To run it for real</b>: give Transak this node's <b>Production URL</b>, which must be public HTTPS, as your Order (and KYC) webhook URL (through Transak support or the Partner Dashboard), then publish the workflow. Deliveries then show up in the executions list.",
				active:
					WHILE_YOU_BUILD +
					'<b>The workflow is published</b>: Transak\'s deliveries to the <b>Production URL</b> (public HTTPS, registered with Transak) start it and show up in the <a data-key="executions">executions list</a>.',
			},
			activationHint:
				"Register this node's public HTTPS Production URL with Transak, then publish the workflow: every genuine delivery starts it.",
		},
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
					"Give Transak this node's Production URL as your Order (and KYC) webhook URL: it must be public HTTPS. Transak registers webhook URLs by hand: contact Transak support or use the Partner Dashboard. Every delivery is verified with the access token of the credential.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			eventsProperty(
				[...ORDER_EVENTS, ...KYC_EVENTS],
				'Which events start the workflow. Leave empty for every event. Other genuine events are still acknowledged, so Transak does not retry them.',
			),
			personalDataProperty(),
			optionsCollection([
				{
					displayName: 'Ignore Repeats Within (Seconds)',
					name: 'deduplicationWindow',
					type: 'number',
					typeOptions: { minValue: 0 },
					default: DEFAULT_DEDUPLICATION_SECONDS,
					description:
						'A delivery with the same event, order (or user) and status as one received this many seconds before is acknowledged but does not start the workflow again. 0 turns this off.',
				},
				maxDeliveryAgeOption('Deliveries (answered 200)'),
				{
					displayName: 'Share Window Across Processes (Queue Mode)',
					name: 'shareDeduplicationWindow',
					type: 'boolean',
					default: true,
					description:
						"Whether, in queue mode, all webhook processes share one de-duplication window through n8n's Redis, so that a delivery reaching two processes starts one execution. If Redis cannot be used, deliveries are accepted with each process's own window.",
				},
				{
					displayName: 'Test Event',
					name: 'testEvent',
					type: 'options',
					options: TEST_EVENT_OPTIONS,
					default: DEFAULT_TEST_EVENT,
					description:
						"What 'Listen for test event' does in the editor. Transak posts only to the URL registered with it, never to the test URL. Does not change how published workflows answer Transak.",
				},
			]),
		],
	};

	// Transak webhook URLs are registered by hand, so there is nothing to create or delete. Only
	// while the editor listens (manual mode) does "create" do something: send a first event.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return this.getMode() !== 'manual';
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (this.getMode() !== 'manual') return true;
				const options = this.getNodeParameter('options', {}) as IDataObject;
				if ((options.testEvent ?? DEFAULT_TEST_EVENT) !== 'latestDelivery') return true;
				const events = this.getNodeParameter('events', []) as string[];
				// Not awaited: n8n finishes registering the test URL once this returns, and the
				// delivery is posted to it.
				void sendLatestDelivery.call(this, events).then((outcome) => {
					this.logger.info(`Transak Trigger test event: ${outcome}`);
				});
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
		const node = this.getNode();
		const scope = { workflowId: String(this.getWorkflow().id ?? ''), nodeId: node.id ?? node.name };

		const body = this.getBodyData();
		const unparsed = isEmptyBody(body)
			? await readUnparsedBody(this.getRequestObject(), MAX_BODY_BYTES)
			: { tooLarge: false };
		if (unparsed.tooLarge) return answer(this, 413);
		if (unparsed.incomplete === true) {
			// Cut off mid-way: nothing of it is trusted, and nothing starts.
			this.logger.debug('Transak Trigger refused a delivery (400): the request body was cut off');
			return answer(this, 400);
		}
		const token = extractToken(body, unparsed.raw);
		const keys = new WebhookKeys(this, `${scope.workflowId}|${scope.nodeId}`);
		const verifier = await keys.verifier();
		// While the editor listens (the test URL, registered for that moment only) an older delivery
		// is what the user asked for: the replayed latest one may be days old.
		const maxAgeHours =
			this.getMode() === 'manual' ? 0 : maxDeliveryAgeHours(options.maxDeliveryAge);
		const settings = { events, maxAgeHours };
		let outcome = handleDelivery(token, { ...settings, verifier });
		const mismatch = () => outcome.status === 401 && outcome.reason === SIGNATURE_MISMATCH;
		if (mismatch()) {
			// Perhaps signed with a token the credential got since the keys were read (a refresh, an
			// edit): verify it again with the keys read now, unless they are the same keys.
			const fresher = await keys.reread();
			if (fresher !== undefined && fresher !== verifier) {
				outcome = handleDelivery(token, { ...settings, verifier: fresher });
			}
		}
		keys.settle(outcome.status === 200 ? 'verified' : mismatch() ? 'mismatch' : 'other');
		if (outcome.emit === undefined) {
			if (outcome.status !== 200) {
				this.logger.debug(
					`Transak Trigger refused a delivery (${outcome.status}): ${quoteServerText(outcome.reason)}`,
				);
			} else if (outcome.reason === 'too old') {
				this.logger.debug(
					'Transak Trigger acknowledged a delivery without starting the workflow: its order was last updated before the Maximum Delivery Age',
				);
			}
			return answer(this, outcome.status);
		}
		// Repeats are decided here, where a copy can wait for the first copy's hand-off to n8n.
		const admitted = await admitDelivery(this, scope, outcome.emit, {
			windowSeconds: Number(options.deduplicationWindow ?? DEFAULT_DEDUPLICATION_SECONDS),
			shared: options.shareDeduplicationWindow !== false,
		});
		if (!admitted) return answer(this, 200);
		const protect = await personalDataProtection(
			this,
			this.getNodeParameter('personalData', 'keep'),
		);
		return { workflowData: [[{ json: protect(outcome.emit.json) }]] };
	}
}
