import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { deliveryKey, recentKeysFor, type RecentKeys } from '../shared/dedupe';
import { KYC_EVENTS, ORDER_EVENTS } from '../shared/events';
import type { TransakEvent } from '../shared/payload';
import { sharedDeliveryWindow, type Claim, type SharedDeliveryWindow } from '../shared/redisClaim';
import { readUnparsedBody } from '../shared/requestBody';
import { extractToken, handleDelivery, isEmptyBody, MAX_BODY_BYTES } from '../shared/webhookHandler';
import { WebhookKeys } from '../shared/webhookKeys';

/** Bodies that tell a caller what went wrong without helping a forger. */
const ANSWERS: Record<number, { message: string }> = {
	200: { message: 'Received' },
	400: { message: 'Bad request: expected a JSON body {"data": "<JWT>"}' },
	401: { message: 'Unauthorized' },
	413: { message: 'Payload too large' },
};

const DEFAULT_DEDUPLICATION_SECONDS = 600;

/** How long a copy of a delivery waits for the first copy's hand-off to n8n before accepting anyway. */
const HAND_OFF_WAIT_MS = 10_000;
/** A hand-off n8n has not answered after this long counts as failed: its claim is released. */
const HAND_OFF_LIMIT_MS = 60_000;

/**
 * Deliveries this process accepted whose hand-off to n8n is under way (scope + key -> whether n8n
 * answered 2xx). Identical copies wait for it instead of being acknowledged while the first copy
 * could still fail.
 */
const inFlight = new Map<string, Promise<boolean>>();

/**
 * Resolves once n8n has answered the delivery: true for a 2xx. In queue mode n8n answers only once
 * the execution is in its queue, in regular mode once it has started, so a 2xx means the event is in
 * n8n's hands. Undefined when the response cannot tell (not an HTTP response).
 */
function handOffOutcome(response: unknown): Promise<boolean> | undefined {
	const res = response as { once?: unknown; statusCode?: number; headersSent?: boolean } | undefined;
	if (res === undefined || typeof res.once !== 'function') return undefined;
	const once = res.once.bind(res) as (event: string, listener: () => void) => void;
	return new Promise((resolve) => {
		let settled = false;
		const settle = (handedOff: boolean) => {
			if (settled) return;
			settled = true;
			clearTimeout(limit);
			resolve(handedOff);
		};
		const succeeded = () => typeof res.statusCode === 'number' && res.statusCode >= 200 && res.statusCode < 300;
		const limit = setTimeout(() => settle(false), HAND_OFF_LIMIT_MS);
		limit.unref();
		once('finish', () => settle(succeeded()));
		// Closed before the answer was written: n8n's outcome is unknown, so count it as failed (a
		// retry then starts the workflow: possibly twice, never not at all).
		once('close', () => settle(res.headersSent === true && succeeded()));
	});
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(undefined), ms);
		timer.unref();
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			() => {
				clearTimeout(timer);
				resolve(undefined);
			},
		);
	});
}

interface Admission {
	scope: string;
	recent: RecentKeys;
	event: TransakEvent;
	response: unknown;
	/** n8n's Redis in queue mode, with the delivery's key there. */
	shared?: { window: SharedDeliveryWindow; key: string; windowMs: number };
}

/**
 * Decides whether this delivery starts the workflow: false for a repeat of one already handed to
 * n8n, by this process or (in queue mode) by any other. Never drops a delivery whose first copy is
 * still under way: it waits for that copy's outcome, and accepts if that takes too long.
 */
async function admit({ scope, recent, event, response, shared }: Admission): Promise<boolean> {
	const key = deliveryKey(event.eventID, event.subjectId, event.status);
	const slot = `${scope}\u0000${key}`;
	const deadline = Date.now() + HAND_OFF_WAIT_MS;
	while (!recent.firstSeen(key)) {
		const pending = inFlight.get(slot);
		if (pending === undefined) return false;
		const remaining = deadline - Date.now();
		if (remaining <= 0) return true;
		// true: handed off, this copy is a repeat. false: released, so the next firstSeen succeeds.
		if ((await within(pending, remaining)) === true) return false;
	}

	let report!: (handedOff: boolean) => void;
	const flight = new Promise<boolean>((resolve) => (report = resolve));
	inFlight.set(slot, flight);
	const finish = (handedOff: boolean) => {
		if (inFlight.get(slot) === flight) inFlight.delete(slot);
		if (!handedOff) recent.forget(key);
		report(handedOff);
	};

	let claim: Claim | undefined;
	if (shared !== undefined) {
		claim = await shared.window.claim(shared.key, shared.windowMs);
		if (claim.kind === 'duplicate') {
			finish(true);
			return false;
		}
	}
	const outcome = handOffOutcome(response) ?? Promise.resolve(true);
	void outcome.then(async (handedOff) => {
		finish(handedOff);
		if (claim?.kind === 'claimed') await claim.settle(handedOff);
	});
	return true;
}

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
				options.shareDeduplicationWindow !== false ? sharedDeliveryWindow((message: string) => logger.warn(message)) : undefined;
			const event = outcome.emit;
			const accepted = await admit({
				scope,
				recent: recentKeysFor(scope, windowMs),
				event,
				response: this.getResponseObject(),
				shared:
					window === undefined
						? undefined
						: { window, key: window.keyFor(workflowId, nodeId, deliveryKey(event.eventID, event.subjectId, event.status)), windowMs },
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
			this.logger.debug(`Transak Trigger refused a delivery (${outcome.status}): ${outcome.reason}`);
		}
		this.getResponseObject().status(outcome.status).json(ANSWERS[outcome.status]).end();
		return { noWebhookResponse: true };
	}
}
