import type { IDataObject } from 'n8n-workflow';

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string. */
export function isNonEmptyString(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0;
}

/** A payload value as text: a non-empty string, or a finite number (IDs sometimes come as numbers). */
export function text(value: unknown): string | undefined {
	if (isNonEmptyString(value)) return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** Milliseconds since the epoch from an ISO date string or a number, if it is one. */
export function timeOf(value: unknown): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const ms = typeof value === 'number' ? value : Date.parse(value);
	return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A Transak order ID as it may go into an API path: one path segment (letters, digits, `-`, `_`
 * and dots, though not dots alone: `.` and `..` would name another path), at most 128 characters.
 * Transak's IDs are UUIDs; partners' test IDs are of the same alphabet.
 */
export function isOrderIdSegment(value: string): boolean {
	return /^[A-Za-z0-9._-]{1,128}$/.test(value) && !/^\.+$/.test(value);
}
