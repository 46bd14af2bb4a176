/**
 * Whether a verified delivery starts the workflow, given the copies of it already seen: in this
 * process (the de-duplication window and hand-offs under way) and, in queue mode, in n8n's Redis.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import type { TransakEvent } from '../model/decode';
import { bounded } from '../queue/redisStore';
import {
	HAND_OFF_LIMIT_MS,
	HAND_OFF_WAIT_MS,
	sharedDeliveryWindow,
	type Claim,
	type SharedDeliveryWindow,
} from './sharedWindow';
import { deliveryKey, recentKeysFor, type RecentKeys } from '../dedup/window';

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
	const res = response as
		{ once?: unknown; statusCode?: number; headersSent?: boolean } | undefined;
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
		const succeeded = () =>
			typeof res.statusCode === 'number' && res.statusCode >= 200 && res.statusCode < 300;
		const limit = setTimeout(() => settle(false), HAND_OFF_LIMIT_MS);
		limit.unref();
		once('finish', () => settle(succeeded()));
		// Closed before the answer was written: n8n's outcome is unknown, so count it as failed (a
		// retry then starts the workflow: possibly twice, never not at all).
		once('close', () => settle(res.headersSent === true && succeeded()));
	});
}

/** `promise`'s value, or undefined when it fails or takes longer than `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
	bounded(promise, ms).catch(() => undefined);

interface Admission {
	scope: string;
	recent: RecentKeys;
	/** The delivery's key in the window (see deliveryKey). */
	key: string;
	response: unknown;
	/** n8n's Redis in queue mode, with the delivery's key there. */
	shared?: { window: SharedDeliveryWindow; key: string; windowMs: number };
}

/**
 * Decides whether this delivery starts the workflow: false for a repeat of one already handed to
 * n8n, by this process or (in queue mode) by any other. Never drops a delivery whose first copy is
 * still under way: it waits for that copy's outcome, and accepts if that takes too long.
 */
async function admit({ scope, recent, key, response, shared }: Admission): Promise<boolean> {
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

export interface WindowOptions {
	/** Seconds within which a repeat starts no execution; 0 turns de-duplication off. */
	windowSeconds: number;
	/** In queue mode, share the window across processes through n8n's Redis. */
	shared: boolean;
}

/**
 * Whether a verified delivery starts the workflow of this trigger node (`scope` names the workflow
 * and node), given the trigger's de-duplication options.
 */
export async function admitDelivery(
	context: IWebhookFunctions,
	scope: { workflowId: string; nodeId: string },
	event: TransakEvent,
	{ windowSeconds, shared }: WindowOptions,
): Promise<boolean> {
	if (!(windowSeconds > 0)) return true;
	const windowMs = windowSeconds * 1000;
	const id = `${scope.workflowId}|${scope.nodeId}`;
	const key = deliveryKey(event.eventID, event.subjectId, event.status, event.revision);
	const logger = context.logger;
	const window = shared
		? sharedDeliveryWindow((message: string) => logger.warn(message))
		: undefined;
	return await admit({
		scope: id,
		recent: recentKeysFor(id, windowMs),
		key,
		response: context.getResponseObject(),
		shared:
			window === undefined
				? undefined
				: {
						window,
						key: window.keyFor(scope.workflowId, scope.nodeId, key),
						windowMs,
					},
	});
}
