import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { decodeEvent, type TransakEvent } from '../model/decode';
import { isTooOld } from '../model/replay';
import { isEventSelected } from '../model/statuses';
import { MAX_TOKEN_LENGTH, type JwtVerifier } from '../verification/jwt';

/** What to answer a webhook delivery, and the event to emit if any. */
export type WebhookOutcome =
	| { status: 200; emit: TransakEvent }
	| { status: 200; emit?: undefined; reason: 'filtered' | 'too old' }
	| { status: 400 | 401 | 413; emit?: undefined; reason: string };

export interface WebhookSettings {
	verifier: JwtVerifier;
	events: readonly string[];
	/** Maximum Delivery Age in hours (see model/replay.ts); 0 turns the check off. */
	maxAgeHours: number;
	now?: number;
}

/** Decides the answer table of the Transak Trigger for one delivery (pure: no n8n, no I/O). */
export function handleDelivery(token: unknown, settings: WebhookSettings): WebhookOutcome {
	if (typeof token === 'string' && token.length > MAX_TOKEN_LENGTH) {
		return { status: 413, reason: 'payload too large' };
	}
	const check = settings.verifier.verify(token);
	if (!check.ok) return { status: check.reason === 'malformed' ? 400 : 401, reason: check.message };

	const decoded = decodeEvent(check.claims);
	if (!decoded.ok) return { status: 400, reason: decoded.message };
	if (!isEventSelected(settings.events, decoded.event.eventID)) {
		return { status: 200, reason: 'filtered' };
	}
	if (isTooOld(decoded.event, settings.maxAgeHours, settings.now)) {
		return { status: 200, reason: 'too old' };
	}
	return { status: 200, emit: decoded.event };
}

/** Bodies that tell a caller what went wrong without helping a forger. */
export const WEBHOOK_ANSWERS: Readonly<Record<WebhookOutcome['status'], { message: string }>> = {
	200: { message: 'Received' },
	400: { message: 'Bad request: expected a JSON body {"data": "<JWT>"}' },
	401: { message: 'Unauthorized' },
	413: { message: 'Payload too large' },
};

/** Answers the request itself, with no workflow execution. */
export function answer(
	context: IWebhookFunctions,
	status: WebhookOutcome['status'],
): IWebhookResponseData {
	context.getResponseObject().status(status).json(WEBHOOK_ANSWERS[status]).end();
	return { noWebhookResponse: true };
}
