import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_STATUS_BY_EVENT } from './events';
import type { JwtVerifier } from '../verification/jwt';
import { sanitize } from './decode';

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value.length > 0) return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** An order as an item: the whole order, with `orderId` and `status` at top level. */
export function orderItem(order: IDataObject, requestedId?: string): IDataObject {
	const clean = sanitize(order);
	return {
		...clean,
		orderId: text(clean.id) ?? text(clean.orderId) ?? requestedId ?? '',
		status: text(clean.status) ?? 'UNKNOWN',
	};
}

/**
 * A past webhook delivery as an item: `id`, `eventID`, `orderId`, `status`, `createdAt` and the
 * delivered `webhookData`. Transak may list the data still signed (a JWT): it is decoded when one
 * of the credential's tokens verifies it, and kept as sent otherwise.
 */
export function webhookItem(delivery: IDataObject, verifier?: JwtVerifier): IDataObject {
	const clean = sanitize(delivery);
	let eventID = text(clean.eventID) ?? text(clean.eventId);
	let data: unknown = clean.webhookData;

	if (typeof data === 'string' && verifier?.hasKeys) {
		const check = verifier.verify(data);
		if (check.ok) {
			const claims = sanitize(check.claims as IDataObject);
			eventID ??= text(claims.eventID);
			data = isObject(claims.webhookData) ? claims.webhookData : claims;
		}
	}

	const order = isObject(data) ? data : undefined;
	const status =
		text(order?.status) ??
		text(order?.kycStatus) ??
		(eventID !== undefined ? DEFAULT_STATUS_BY_EVENT[eventID] : undefined) ??
		'UNKNOWN';
	const orderId =
		text(order?.id) ?? text(order?.orderId) ?? text(clean.orderId) ?? text(clean.orderID);

	const item: IDataObject = {
		id: text(clean.id) ?? text(clean._id) ?? '',
		eventID: eventID ?? '',
		status,
		createdAt: clean.createdAt ?? null,
	};
	if (orderId !== undefined) item.orderId = orderId;
	if (text(order?.partnerUserId) !== undefined) item.partnerUserId = order?.partnerUserId;
	if (data !== undefined) item.webhookData = data as IDataObject;
	return item;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})/;

function validDate(year: number, month: number, day: number): boolean {
	const d = new Date(Date.UTC(year, month - 1, day));
	return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * `YYYY-MM-DD`, the date format of Transak's `startDate`/`endDate`, from what an n8n date field or
 * expression gives: an ISO string (its date part is taken as written), a Luxon DateTime, a Date or
 * epoch milliseconds. Undefined for an empty value; throws for one that is no date.
 */
export function toTransakDate(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string') {
		const trimmed = value.trim();
		const match = DATE_ONLY.exec(trimmed);
		if (match) {
			if (!validDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
				throw new Error(`"${trimmed}" is not a valid date`);
			}
			return match[0];
		}
		const ms = Date.parse(trimmed);
		if (Number.isNaN(ms)) throw new Error(`"${trimmed}" is not a date (expected YYYY-MM-DD)`);
		return new Date(ms).toISOString().slice(0, 10);
	}
	if (isObject(value) && typeof (value as { toISODate?: unknown }).toISODate === 'function') {
		const iso = (value as unknown as { toISODate(): string | null }).toISODate();
		if (iso) return iso;
		throw new Error('the date is invalid');
	}
	if (value instanceof Date || typeof value === 'number') {
		const d = new Date(value);
		if (Number.isNaN(d.getTime())) throw new Error('the date is invalid');
		return d.toISOString().slice(0, 10);
	}
	throw new Error('expected a date such as 2024-08-23');
}
