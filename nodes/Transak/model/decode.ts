/*
 * The one decoder of Transak records. Whatever carries an event or an order (webhook claims, Pusher
 * channel data, a webhook delivery or an order from the partner API, a record read back to recover
 * missed events) becomes an event or an item here, by the same rules:
 *
 * - orderId: the order's `id` (webhooks, Pusher), `_id` (the partner API's Get Order and Get Orders
 *   answers) or `orderId`; for a delivery, its `orderId`/`orderID` failing those.
 * - eventID: the source's own name when it is an order event (a Pusher event name), else the event
 *   the record names (`eventID`, or `eventId`), else the event its status implies.
 * - status: the record's status (`kycStatus` for KYC), else the default status of its event, else
 *   `UNKNOWN`.
 * - KYC: an event named `KYC_*` or a record carrying `kycStatus`, at top level, under `data` or
 *   under `webhookData`.
 * - revision: the record's own `updatedAt` as written, '' without one: a status the order reaches
 *   again (on hold, then released back) is a new occurrence, a copy of the same delivery is not.
 * - changedAt: the latest time the record carries for itself: the order's `updatedAt` or
 *   `createdAt`, the delivery's own `createdAt` (webhook claims), the token's `iat` (Transak's
 *   tokens carry none today).
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject, text, timeOf } from './guards';
import { MAX_DEPTH, prune, sanitize } from './sanitize';
import { defaultStatus, eventIdForStatus, ORDER_EVENT_IDS } from './statuses';

export type EventKind = 'order' | 'kyc';

/** A verified Transak event, ready to become an n8n item. */
export interface TransakEvent {
	kind: EventKind;
	eventID: string;
	status: string;
	/** `orderId` for orders, `partnerUserId` for KYC: with eventID and status it identifies a delivery. */
	subjectId: string;
	/** Tells a new occurrence of the same status from a copy (see the top of this file). */
	revision: string;
	/** When the record says it last changed (ms since epoch), if it says. */
	changedAt?: number;
	/** Read back from the partner API to recover a missed event, rather than received. */
	recovered?: boolean;
	json: IDataObject;
}

export type Decoded = { ok: true; event: TransakEvent } | { ok: false; message: string };

/** The claims of a signed token, or undefined when no key verifies it. */
export type Verify = (token: string) => IDataObject | undefined;

/** What the source says about a record besides the record itself. */
export interface Source {
	/** The event the source names: a Pusher event name, or the event a status implies. */
	event?: string;
}

const UNKNOWN_STATUS = 'UNKNOWN';

const failure = (message: string): Decoded => ({ ok: false, message });

/** The order's ID, whatever the record calls it. */
export function orderIdOf(order: IDataObject | undefined): string | undefined {
	if (order === undefined) return undefined;
	return text(order.id) ?? text(order._id) ?? text(order.orderId);
}

/** The event a record names. */
export function namedEvent(record: IDataObject | undefined): string | undefined {
	if (record === undefined) return undefined;
	return text(record.eventID) ?? text(record.eventId);
}

/** The status of an order or KYC record, or failing that the one its event implies. */
function statusOf(body: IDataObject | undefined, eventID: string | undefined): string {
	return text(body?.kycStatus) ?? text(body?.status) ?? defaultStatus(eventID) ?? UNKNOWN_STATUS;
}

/**
 * The event ID of a record, most reliable first: the source's name when it is an order event, the
 * event the record names, the event its status implies, and last the source's name as given (older
 * integrations saw the order ID as the event name on the all-orders channel).
 */
export function resolveEventID(
	sourceEvent: string | undefined,
	named: unknown,
	status: unknown,
): string | undefined {
	if (sourceEvent !== undefined && ORDER_EVENT_IDS.has(sourceEvent)) return sourceEvent;
	return text(named) ?? eventIdForStatus(status) ?? text(sourceEvent);
}

/**
 * What a record carries: its `webhookData` (webhook claims, deliveries, the all-orders channel), a
 * `data` object it merely wraps (nested KYC claims, some Pusher payloads), or itself (an order).
 */
function bodyOf(record: IDataObject): IDataObject {
	if (isObject(record.webhookData)) return record.webhookData;
	if (isObject(record.data) && orderIdOf(record) === undefined && record.kycStatus === undefined) {
		return record.data;
	}
	return record;
}

function isKyc(record: IDataObject, body: IDataObject, events: Array<string | undefined>): boolean {
	return (
		events.some((eventID) => eventID?.startsWith('KYC_') === true) ||
		record.kycStatus !== undefined ||
		body.kycStatus !== undefined
	);
}

/** The latest of the times given (ms since epoch), if any is one. */
function latest(values: unknown[]): number | undefined {
	let found: number | undefined;
	for (const value of values) {
		const ms = timeOf(value);
		if (ms !== undefined && (found === undefined || ms > found)) found = ms;
	}
	return found;
}

/** What of a record tells one occurrence from another, and when it happened. */
function occurrence(body: IDataObject): Pick<TransakEvent, 'revision' | 'changedAt'> {
	const changedAt = latest([body.updatedAt, body.createdAt]);
	return {
		revision: text(body.updatedAt) ?? '',
		...(changedAt === undefined ? {} : { changedAt }),
	};
}

/** The order, extended in place (it is freshly decoded and owned by the caller). */
function orderEvent(eventID: string, order: IDataObject, fallbackOrderId?: string): Decoded {
	const orderId = orderIdOf(order) ?? fallbackOrderId;
	if (orderId === undefined) return failure('order has no id');
	const status = statusOf(order, eventID);
	const when = occurrence(order);
	Object.assign(order, { eventID, status, orderId });
	return {
		ok: true,
		event: { kind: 'order', eventID, status, subjectId: orderId, ...when, json: order },
	};
}

function kycEvent(eventID: string | undefined, body: IDataObject): Decoded {
	const partnerUserId = text(body.partnerUserId);
	if (eventID === undefined) return failure('KYC event has no eventID');
	if (partnerUserId === undefined) return failure('KYC event has no partnerUserId');
	const status = statusOf(body, eventID);
	const json: IDataObject = { ...body, eventID, status, partnerUserId };
	const partnerCustomerId = text(body.partnerCustomerId);
	if (partnerCustomerId !== undefined) json.partnerCustomerId = partnerCustomerId;
	const when = occurrence(body);
	return {
		ok: true,
		event: { kind: 'kyc', eventID, status, subjectId: partnerUserId, ...when, json },
	};
}

/**
 * Turns one record into an event: webhook claims (`{webhookData, eventID}` for orders; KYC claims
 * at top level or under `data`), Pusher data (the same, or the order itself), a webhook delivery, or
 * an order read back from the partner API (`source.event` then names the event).
 */
export function decodeEvent(record: unknown, source: Source = {}): Decoded {
	if (!isObject(record)) return failure('the event data is not an object');
	const clean = sanitize(record);
	if (clean === undefined) return failure(`the event data nests deeper than ${MAX_DEPTH} levels`);
	const body = bodyOf(clean);
	const named = namedEvent(clean) ?? namedEvent(body);
	const decoded = isKyc(clean, body, [named, source.event])
		? kycEvent(named ?? source.event, body)
		: orderEventOf(clean, body, resolveEventID(source.event, named, body.status));
	if (!decoded.ok || clean === body) return decoded;
	const issuedAt = typeof clean.iat === 'number' ? clean.iat * 1000 : undefined;
	const changedAt = latest([decoded.event.changedAt, clean.createdAt, issuedAt]);
	if (changedAt !== undefined) decoded.event.changedAt = changedAt;
	return decoded;
}

function orderEventOf(clean: IDataObject, body: IDataObject, eventID: string | undefined): Decoded {
	if (eventID === undefined) return failure('the event has no eventID');
	return orderEvent(eventID, body, text(clean.orderId) ?? text(clean.orderID));
}

/** A record of the partner API as item data; what nests too deep is cut, never the whole record. */
function sanitized(value: IDataObject): IDataObject {
	return sanitize(value) ?? (prune(value) as IDataObject);
}

/**
 * An order from the partner API as an item: the whole order with `orderId`, `status` and `eventID`
 * (the event its status implies, '' for an unknown status) on top. A Get answer lacking every ID
 * takes the requested one.
 */
export function orderItem(order: IDataObject, requestedId?: string): IDataObject {
	const clean = sanitized(order);
	const status = statusOf(clean, undefined);
	return {
		...clean,
		eventID: eventIdForStatus(status) ?? '',
		orderId: orderIdOf(clean) ?? requestedId ?? '',
		status,
	};
}

/**
 * A webhook delivery as the partner API lists it, with its `webhookData` opened where Transak lists
 * it still signed and `verify` accepts the token (an unverified token stays as sent).
 */
export function openDelivery(delivery: IDataObject, verify?: Verify): IDataObject {
	const data = delivery.webhookData;
	if (typeof data !== 'string' || verify === undefined) return delivery;
	const claims = verify(data);
	const clean = claims === undefined ? undefined : sanitize(claims);
	if (clean === undefined) return delivery;
	const eventID = namedEvent(delivery) ?? namedEvent(clean);
	return {
		...delivery,
		...(eventID !== undefined ? { eventID } : {}),
		webhookData: isObject(clean.webhookData) ? clean.webhookData : clean,
	};
}

/**
 * A past webhook delivery as an item: `id`, `eventID`, `status`, `createdAt`, `orderId` (orders),
 * `partnerUserId` (KYC) and the delivered `webhookData` as Transak sent it. Never dropped: what the
 * decoder cannot read is kept as listed.
 */
export function deliveryItem(delivery: IDataObject, verify?: Verify): IDataObject {
	const opened = openDelivery(sanitized(delivery), verify);
	const data = isObject(opened.webhookData) ? opened.webhookData : undefined;
	const decoded =
		data === undefined ? undefined : decodeEvent({ ...opened, webhookData: { ...data } });
	const event = decoded?.ok === true ? decoded.event : undefined;
	const named = namedEvent(opened);
	const item: IDataObject = {
		id: text(opened.id) ?? text(opened._id) ?? '',
		eventID: event?.eventID ?? named ?? '',
		status: event?.status ?? statusOf(data, named),
		createdAt: opened.createdAt ?? null,
	};
	const orderId =
		event?.kind === 'order'
			? event.subjectId
			: (orderIdOf(data) ?? text(opened.orderId) ?? text(opened.orderID));
	if (orderId !== undefined) item.orderId = orderId;
	const partnerUserId = event?.kind === 'kyc' ? event.subjectId : text(data?.partnerUserId);
	if (partnerUserId !== undefined) item.partnerUserId = partnerUserId;
	if (opened.webhookData !== undefined) item.webhookData = opened.webhookData;
	return item;
}
