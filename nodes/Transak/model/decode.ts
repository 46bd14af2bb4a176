import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_STATUS_BY_EVENT } from './events';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type EventKind = 'order' | 'kyc';

/** A verified Transak event, ready to become an n8n item. */
export interface TransakEvent {
	kind: EventKind;
	eventID: string;
	status: string;
	/** `orderId` for orders, `partnerUserId` for KYC: with eventID and status it identifies a delivery. */
	subjectId: string;
	json: IDataObject;
}

export type PayloadResult = { ok: true; event: TransakEvent } | { ok: false; message: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Returns JSON data without keys that could reach an object's prototype when n8n or a later node
 * merges the item. Checking first keeps the common case (no such key anywhere) free of copies.
 */
export function sanitize<T>(value: T): T {
	return hasForbiddenKey(value) ? (strip(value) as T) : value;
}

function hasForbiddenKey(value: unknown): boolean {
	if (value === null || typeof value !== 'object') return false;
	if (Array.isArray(value)) {
		for (const entry of value) if (hasForbiddenKey(entry)) return true;
		return false;
	}
	for (const key in value) {
		if (key === '__proto__' || key === 'constructor' || key === 'prototype') return true;
		if (hasForbiddenKey((value as Record<string, unknown>)[key])) return true;
	}
	return false;
}

function strip(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(strip);
	if (!isPlainObject(value)) return value;
	const copy: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		if (!FORBIDDEN_KEYS.has(key)) copy[key] = strip(value[key]);
	}
	return copy;
}

function nonEmptyString(value: unknown): string | undefined {
	if (typeof value === 'string' && value.length > 0) return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/**
 * Builds the item for an order: the whole order object, plus `eventID`, `status` and `orderId`.
 * The order is freshly decoded and owned by the caller, so it is extended in place (no copy on the
 * hot path).
 */
export function orderEvent(eventID: string, order: Record<string, unknown>): PayloadResult {
	const orderId = nonEmptyString(order.id) ?? nonEmptyString(order.orderId);
	if (orderId === undefined) return { ok: false, message: 'order has no id' };
	const status = nonEmptyString(order.status) ?? DEFAULT_STATUS_BY_EVENT[eventID] ?? 'UNKNOWN';
	return {
		ok: true,
		event: {
			kind: 'order',
			eventID,
			status,
			subjectId: orderId,
			json: Object.assign(order as IDataObject, { eventID, status, orderId }),
		},
	};
}

/** Builds the item for a KYC event; its claims come at top level or nested under `data`. */
export function kycEvent(claims: Record<string, unknown>): PayloadResult {
	const body = isPlainObject(claims.data) && claims.kycStatus === undefined ? claims.data : claims;
	const eventID = nonEmptyString(body.eventID) ?? nonEmptyString(claims.eventID);
	const partnerUserId = nonEmptyString(body.partnerUserId);
	if (eventID === undefined) return { ok: false, message: 'KYC event has no eventID' };
	if (partnerUserId === undefined) return { ok: false, message: 'KYC event has no partnerUserId' };
	const status =
		nonEmptyString(body.kycStatus) ??
		nonEmptyString(body.status) ??
		DEFAULT_STATUS_BY_EVENT[eventID] ??
		'UNKNOWN';
	const json: IDataObject = { ...(body as IDataObject), eventID, status, partnerUserId };
	const partnerCustomerId = nonEmptyString(body.partnerCustomerId);
	if (partnerCustomerId !== undefined) json.partnerCustomerId = partnerCustomerId;
	return { ok: true, event: { kind: 'kyc', eventID, status, subjectId: partnerUserId, json } };
}

/**
 * Turns verified webhook claims into an event. Orders arrive as `{webhookData, eventID}`; KYC as
 * `{kycStatus, eventID, partnerUserId}` or the same under `data`. `fallbackEventID` names the event
 * where the claims carry none (a Pusher event name).
 */
export function eventFromClaims(
	claims: Record<string, unknown>,
	fallbackEventID?: string,
): PayloadResult {
	const eventID = nonEmptyString(claims.eventID) ?? fallbackEventID;
	if (isPlainObject(claims.webhookData)) {
		if (eventID === undefined) return { ok: false, message: 'event has no eventID' };
		return orderEvent(eventID, claims.webhookData);
	}
	const nested = isPlainObject(claims.data) ? claims.data : undefined;
	const kycLike =
		(eventID?.startsWith('KYC_') ?? false) ||
		claims.kycStatus !== undefined ||
		nested?.kycStatus !== undefined ||
		(typeof nested?.eventID === 'string' && nested.eventID.startsWith('KYC_'));
	if (kycLike) return kycEvent(claims);
	// An order object itself (the all-orders Pusher channel may carry it without a wrapper).
	if (eventID !== undefined && (claims.id !== undefined || claims.orderId !== undefined)) {
		return orderEvent(eventID, claims);
	}
	return { ok: false, message: 'unrecognised event payload' };
}
