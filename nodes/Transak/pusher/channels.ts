import type { IDataObject } from 'n8n-workflow';

import { decodeEvent, type TransakEvent } from '../model/decode';
import { isObject } from '../model/guards';
import type { JwtVerifier } from '../verification/jwt';

/** The three Transak channels: one order by its ID, one order by the partner's ID, every order. */
export type ChannelMode = 'orderId' | 'partnerOrderId' | 'allOrders';

/** Pusher's rule for channel names. */
const CHANNEL_NAME = /^[-a-zA-Z0-9_=@,.;]+$/;
const MAX_CHANNEL_NAME = 164;

export interface ChannelIds {
	apiKey?: string;
	orderId?: string;
	partnerOrderId?: string;
}

/** The channel to subscribe to, or an error message naming what is missing or unusable. */
export function channelFor(
	mode: ChannelMode,
	ids: ChannelIds,
): { ok: true; name: string } | { ok: false; message: string } {
	const apiKey = (ids.apiKey ?? '').trim();
	const need = (value: string | undefined, what: string): string | undefined =>
		(value ?? '').trim().length > 0 ? undefined : `${what} is empty`;
	let name: string;
	let missing: string | undefined;
	switch (mode) {
		case 'orderId':
			missing = need(ids.orderId, 'Order ID');
			name = (ids.orderId ?? '').trim();
			break;
		case 'partnerOrderId':
			missing =
				need(apiKey, 'The API Key of the credential') ??
				need(ids.partnerOrderId, 'Partner Order ID');
			name = `${apiKey}_${(ids.partnerOrderId ?? '').trim()}`;
			break;
		case 'allOrders':
			missing = need(apiKey, 'The API Key of the credential');
			name = apiKey;
			break;
		default:
			return { ok: false, message: `Unknown channel "${String(mode)}"` };
	}
	if (missing !== undefined) return { ok: false, message: missing };
	if (name.length > MAX_CHANNEL_NAME || !CHANNEL_NAME.test(name)) {
		return {
			ok: false,
			message: `The channel name built from ${mode === 'allOrders' ? 'the API Key' : mode === 'orderId' ? 'the Order ID' : 'the API Key and Partner Order ID'} is not a valid Pusher channel name (letters, digits and _-=@,.; only, at most ${MAX_CHANNEL_NAME} characters)`,
		};
	}
	return { ok: true, name };
}

/** `ignored`: not for us (KYC, no order). `rejected`: a payload we must not trust. `malformed`: unreadable. */
export type PusherEventResult =
	/** `signed`: the event came as a token one of the keys verified (its times are vouched for). */
	| { ok: true; event: TransakEvent; signed?: boolean }
	| { ok: false; reason: 'malformed' | 'rejected' | 'ignored'; message: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Data as pusher-js hands it over: an object, or a string (JSON it could not parse, a JWT, JSON twice encoded). */
function readObject(data: unknown): IDataObject | undefined {
	if (isObject(data)) return data;
	if (typeof data !== 'string') return undefined;
	try {
		const parsed: unknown = JSON.parse(data);
		return isObject(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

/** How many times over a token may come JSON-encoded (once or twice in practice). */
const MAX_ENCODINGS = 4;

/**
 * The token of an all-orders event: the data itself, or `{data: "<JWT>"}` as webhooks carry it,
 * either possibly as JSON text (encoded more than once, up to MAX_ENCODINGS).
 */
function readToken(data: unknown): unknown {
	let value = data;
	for (let level = 0; level < MAX_ENCODINGS && typeof value === 'string'; level += 1) {
		const trimmed = value.trim();
		if (!trimmed.startsWith('"') && !trimmed.startsWith('{')) return value;
		try {
			value = JSON.parse(trimmed) as unknown;
		} catch {
			return value;
		}
	}
	if (isObject(value) && typeof value.data === 'string') return value.data;
	return value;
}

/** An order event from a payload; KYC events and records without an order are not for this trigger. */
function orderFromPayload(eventName: string, payload: unknown): PusherEventResult {
	const decoded = decodeEvent(payload, { event: eventName });
	if (!decoded.ok) return { ok: false, reason: 'ignored', message: decoded.message };
	if (decoded.event.kind !== 'order') return { ok: false, reason: 'ignored', message: 'KYC event' };
	return decoded;
}

/**
 * Turns one Pusher channel event into a Transak order event. On the all-orders channel the data
 * must be a JWT that verifies with the credential's keys, exactly as webhooks must; on the public
 * channels it is the order (an object, or JSON text), and a signed token is accepted if it verifies.
 */
export function parsePusherEvent(
	mode: ChannelMode,
	eventName: string,
	data: unknown,
	verifier: JwtVerifier,
): PusherEventResult {
	const text = typeof data === 'string' ? data.trim() : undefined;
	if (mode === 'allOrders' || (text !== undefined && JWT_SHAPE.test(text))) {
		const check = verifier.verify(mode === 'allOrders' ? readToken(data) : text);
		if (!check.ok) return { ok: false, reason: check.reason, message: check.message };
		const result = orderFromPayload(eventName, check.claims);
		return result.ok ? { ...result, signed: true } : result;
	}
	const payload = readObject(data);
	if (payload === undefined)
		return { ok: false, reason: 'malformed', message: 'event data is not an order object' };
	return orderFromPayload(eventName, payload);
}
