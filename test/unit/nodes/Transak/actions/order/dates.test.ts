/** Order dates as Transak's API takes them. */

import { toTransakDate } from '../../../../../../nodes/Transak/actions/order/dates';

/* eslint-disable @typescript-eslint/no-require-imports */
// Luxon comes with n8n-workflow: n8n hands Luxon DateTimes to nodes from date expressions.
const { DateTime } = require('luxon');
/* eslint-enable @typescript-eslint/no-require-imports */

describe('toTransakDate', () => {
	it('formats what n8n date fields and expressions give as YYYY-MM-DD', () => {
		expect(toTransakDate('2024-08-23')).toBe('2024-08-23');
		expect(toTransakDate('2024-08-23T23:30:00')).toBe('2024-08-23');
		expect(toTransakDate('2024-08-23T23:30:00.000+05:30')).toBe('2024-08-23');
		expect(toTransakDate(DateTime.fromISO('2024-08-23T10:00:00', { zone: 'utc' }))).toBe(
			'2024-08-23',
		);
		expect(toTransakDate(new Date(Date.UTC(2024, 7, 23, 12)))).toBe('2024-08-23');
		expect(toTransakDate(Date.UTC(2024, 7, 23))).toBe('2024-08-23');
		expect(toTransakDate('')).toBeUndefined();
		expect(toTransakDate(undefined)).toBeUndefined();
		expect(() => toTransakDate('2024-13-01')).toThrow();
		expect(() => toTransakDate('soon')).toThrow();
		expect(() => toTransakDate({})).toThrow();
	});
});
