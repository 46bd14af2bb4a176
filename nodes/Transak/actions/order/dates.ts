import { isObject } from '../../model/guards';

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
