import type { TransakEvent } from './decode';

/*
 * Replay protection. Transak's tokens carry no expiry or issue time, and a captured delivery stays
 * valid for as long as the token that signed it: the signed record's own time is what ages. A
 * record older than the Maximum Delivery Age is acknowledged and starts nothing. The default is
 * well beyond any retry of a genuine delivery (Transak does not document its retries; the
 * longest common schedules stop after three days), so only a replay meets it.
 */

/** Default Maximum Delivery Age, in hours. */
export const DEFAULT_MAX_DELIVERY_AGE_HOURS = 72;

const HOUR_MS = 3_600_000;

/**
 * Whether an event is older than `maxAgeHours` (0 or less: never). A record that does not say when
 * it changed (Transak's KYC webhooks) cannot be aged and is never too old.
 */
export function isTooOld(event: TransakEvent, maxAgeHours: number, now = Date.now()): boolean {
	if (!(maxAgeHours > 0) || event.changedAt === undefined) return false;
	return now - event.changedAt > maxAgeHours * HOUR_MS;
}

/** The option's value as set (a number of hours), its default when unset or not a number. */
export function maxDeliveryAgeHours(value: unknown): number {
	return typeof value === 'number' && Number.isFinite(value)
		? value
		: DEFAULT_MAX_DELIVERY_AGE_HOURS;
}
