import { JwtVerifier, MAX_TOKEN_LENGTH } from '../verification/jwt';
import { isEventSelected } from '../model/events';
import { eventFromClaims, sanitize, type TransakEvent } from '../model/decode';
import { deliveryKey, type RecentKeys } from './window';

/** What to answer a webhook delivery, and the event to emit if any. Pure: no n8n, no I/O. */
export type WebhookOutcome =
	| { status: 200; emit: TransakEvent }
	| { status: 200; emit?: undefined; reason: 'filtered' | 'duplicate' }
	| { status: 400 | 401 | 413; emit?: undefined; reason: string };

export interface WebhookSettings {
	verifier: JwtVerifier;
	events: readonly string[];
	recent?: RecentKeys;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The largest body read: a maximal token plus the JSON around it. */
export const MAX_BODY_BYTES = MAX_TOKEN_LENGTH + 1024;

/** n8n gives `{}` (or nothing) for a body it did not parse. */
export function isEmptyBody(body: unknown): boolean {
	return (
		body === undefined || body === null || (isPlainObject(body) && Object.keys(body).length === 0)
	);
}

/** Reads `data` from a parsed body, or from the raw bytes when n8n did not parse them as JSON. */
export function extractToken(body: unknown, rawBody?: Buffer | string): unknown {
	if (isPlainObject(body) && Object.prototype.hasOwnProperty.call(body, 'data')) return body.data;
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
		return isPlainObject(parsed) ? parsed.data : undefined;
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

	const parsed = eventFromClaims(check.claims);
	if (!parsed.ok) return { status: 400, reason: parsed.message };
	const event = parsed.event;

	if (!isEventSelected(settings.events, event.eventID)) {
		return { status: 200, reason: 'filtered' };
	}
	if (
		settings.recent !== undefined &&
		!settings.recent.firstSeen(deliveryKey(event.eventID, event.subjectId, event.status))
	) {
		return { status: 200, reason: 'duplicate' };
	}
	// Sanitized only once it is certain to be emitted: filtered and repeated deliveries skip the walk.
	event.json = sanitize(event.json);
	return { status: 200, emit: event };
}
