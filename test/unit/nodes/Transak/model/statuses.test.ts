/**
 * The one table of statuses and events: the router's routes, the default status of an event and
 * the events a status implies all come from it, and agree with each other and with the contract.
 */
import {
	defaultStatus,
	eventIdForStatus,
	eventsForStatus,
	KYC_EVENTS,
	ORDER_EVENT_IDS,
	ORDER_EVENTS,
	ORDER_STATUSES,
	ROUTES,
} from '../../../../../nodes/Transak/model/statuses';
import { CONTRACT } from '../../../support/contract';

/* eslint-disable @typescript-eslint/no-require-imports */
const { ORDER_LIFECYCLE, KYC_LIFECYCLE } = require('../../../../../tools/transak/fixtures');
/* eslint-enable @typescript-eslint/no-require-imports */

const values = (options: Array<{ value: unknown }>) => options.map((o) => o.value);
const ALL_STATUSES = ROUTES.flatMap((route) => route.statuses);
const ALL_EVENTS = [...values(ORDER_EVENTS), ...values(KYC_EVENTS)] as string[];

describe('events and statuses', () => {
	it('lists the contract’s events, in the contract’s order', () => {
		expect(values(ORDER_EVENTS)).toEqual([
			'ORDER_CREATED',
			'ORDER_PAYMENT_VERIFYING',
			'ORDER_PROCESSING',
			'ORDER_COMPLETED',
			'ORDER_FAILED',
			'ORDER_REFUNDED',
			'ORDER_EXPIRED',
			'ORDER_CANCELLED',
		]);
		expect(values(KYC_EVENTS)).toEqual(['KYC_SUBMITTED', 'KYC_APPROVED', 'KYC_REJECTED']);
		expect([...ORDER_EVENT_IDS]).toEqual(values(ORDER_EVENTS));
		const isKyc = (name: string) => name.startsWith('KYC ');
		expect(ORDER_STATUSES).toEqual(
			CONTRACT.filter(([name]) => !isKyc(name)).flatMap(([, statuses]) => statuses),
		);
	});

	it('each route says whether it is an order or KYC route, and the router version it joined', () => {
		expect(ROUTES.map((route) => [route.name, route.kind])).toEqual(
			CONTRACT.map(([name]) => [name, name.startsWith('KYC ') ? 'kyc' : 'order']),
		);
		// Released with router version 1: every route of the contract is there since then.
		expect(ROUTES.every((route) => route.since === 1)).toBe(true);
	});

	it('every documented (event, status) pair is one the table implies', () => {
		for (const [eventID, status] of [
			...ORDER_LIFECYCLE.BUY,
			...ORDER_LIFECYCLE.SELL,
			...KYC_LIFECYCLE,
		] as Array<[string, string]>) {
			expect(eventsForStatus(status)).toContain(eventID);
		}
	});

	it('the default status of an event is the first status that implies it', () => {
		expect(Object.fromEntries(ALL_EVENTS.map((e) => [e, defaultStatus(e)]))).toEqual({
			ORDER_CREATED: 'AWAITING_PAYMENT_FROM_USER',
			ORDER_PAYMENT_VERIFYING: 'PAYMENT_DONE_MARKED_BY_USER',
			ORDER_PROCESSING: 'PROCESSING',
			ORDER_COMPLETED: 'COMPLETED',
			ORDER_FAILED: 'FAILED',
			ORDER_REFUNDED: 'REFUNDED',
			ORDER_EXPIRED: 'EXPIRED',
			ORDER_CANCELLED: 'CANCELLED',
			KYC_SUBMITTED: 'SUBMITTED',
			KYC_APPROVED: 'APPROVED',
			KYC_REJECTED: 'REJECTED',
		});
		for (const eventID of ALL_EVENTS) {
			const status = defaultStatus(eventID)!;
			expect(eventsForStatus(status)).toContain(eventID);
			const first = ALL_STATUSES.find((s) => eventsForStatus(s).includes(eventID));
			expect(status).toBe(first);
		}
		expect(defaultStatus('SOMETHING_NEW')).toBeUndefined();
		expect(defaultStatus(undefined)).toBeUndefined();
	});

	it('the routes’ statuses and the events’ statuses are the same set: nothing on one side only', () => {
		const implied = new Set(ALL_STATUSES.flatMap((status) => eventsForStatus(status)));
		expect([...implied].sort()).toEqual([...ALL_EVENTS].sort());
		for (const status of ALL_STATUSES) expect(eventsForStatus(status).length).toBeGreaterThan(0);
		expect(eventsForStatus('SOMETHING_NEW')).toEqual([]);
		expect(eventsForStatus(42)).toEqual([]);
	});
});

describe('eventIdForStatus', () => {
	it('maps statuses to their events and honours the filter', () => {
		expect(eventIdForStatus('COMPLETED', [])).toBe('ORDER_COMPLETED');
		expect(eventIdForStatus('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', [])).toBe('ORDER_PROCESSING');
		expect(eventIdForStatus('EXPIRED', [])).toBe('ORDER_FAILED');
		expect(eventIdForStatus('EXPIRED', ['ORDER_EXPIRED'])).toBe('ORDER_EXPIRED');
		expect(eventIdForStatus('CANCELLED', ['ORDER_COMPLETED'])).toBeUndefined();
		expect(eventIdForStatus('SOMETHING_NEW', [])).toBeUndefined();
		expect(eventIdForStatus(undefined, [])).toBeUndefined();
	});
});
