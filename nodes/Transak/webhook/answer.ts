import { decodeEvent, type TransakEvent } from '../model/decode';
import { isObject } from '../model/guards';
import { isEventSelected } from '../model/statuses';
import { JwtVerifier, MAX_TOKEN_LENGTH } from '../verification/jwt';

/** What to answer a webhook delivery, and the event to emit if any. Pure: no n8n, no I/O. */
export type WebhookOutcome =
	| { status: 200; emit: TransakEvent }
	| { status: 200; emit?: undefined; reason: 'filtered' }
	| { status: 400 | 401 | 413; emit?: undefined; reason: string };

export interface WebhookSettings {
	verifier: JwtVerifier;
	events: readonly string[];
}

/** The largest body read: a maximal token plus the JSON around it. */
export const MAX_BODY_BYTES = MAX_TOKEN_LENGTH + 1024;

/** n8n gives `{}` (or nothing) for a body it did not parse. */
export function isEmptyBody(body: unknown): boolean {
	return body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0);
}

/** Reads `data` from a parsed body, or from the raw bytes when n8n did not parse them as JSON. */
export function extractToken(body: unknown, rawBody?: Buffer | string): unknown {
	if (isObject(body) && Object.prototype.hasOwnProperty.call(body, 'data')) return body.data;
	// n8n hands text/plain bodies over as a string.
	if (
		typeof body === 'string' &&
		body.length > 0 &&
		(rawBody === undefined || rawBody.length === 0)
	) {
		rawBody = body;
	}
	if (rawBody === undefined || rawBody.length === 0 || rawBody.length > MAX_BODY_BYTES) {
		return undefined;
	}
	try {
		const parsed: unknown = JSON.parse(rawBody.toString());
		return isObject(parsed) ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

/** Decides the answer table of the Transak Trigger for one delivery. */
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
	return { status: 200, emit: decoded.event };
}
