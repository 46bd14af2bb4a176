import fc from 'fast-check';

import {
	normalizeStatus,
	outputIndexForStatus,
	routeForStatus,
	routesOfVersion,
	selectedRoutes,
} from '../../../../../nodes/Transak/model/routes';
import { ROUTE_KEYS, ROUTES, type RouteKey } from '../../../../../nodes/Transak/model/statuses';
import { CONTRACT } from '../../../support/contract';

const keyOf = (name: string) => ROUTES.find((route) => route.name === name)?.key;

describe('status -> route mapping', () => {
	it('puts every contract status on its contract output, in contract order', () => {
		expect(ROUTES.map((r) => r.name)).toEqual(CONTRACT.map(([name]) => name));
		CONTRACT.forEach(([, statuses], index) => {
			for (const status of statuses) {
				expect(outputIndexForStatus(status, ROUTE_KEYS)).toBe(index);
			}
		});
	});

	it('ignores case and surrounding whitespace, and accepts spaces or hyphens for underscores', () => {
		expect(routeForStatus('completed')).toBe('completed');
		expect(routeForStatus('  Completed \n')).toBe('completed');
		expect(routeForStatus('pending delivery from transak')).toBe('processing');
		expect(routeForStatus('On-Hold-Pending-Delivery-From-Transak')).toBe('onHold');
		expect(routeForStatus('approved')).toBe('kycApproved');
		expect(normalizeStatus(' awaiting_payment_from_user ')).toBe('AWAITING_PAYMENT_FROM_USER');
	});

	it('has no route for unknown, empty, missing or non-string statuses', () => {
		for (const value of [
			'UNKNOWN',
			'COMPLETE',
			'ORDER_COMPLETED',
			'',
			'   ',
			undefined,
			null,
			3,
			{},
			['COMPLETED'],
			true,
		]) {
			expect(routeForStatus(value)).toBeUndefined();
			expect(outputIndexForStatus(value, ROUTE_KEYS)).toBe(ROUTE_KEYS.length);
		}
	});

	it('keeps contract order for any selection, drops unknown route names, and treats unset as all', () => {
		expect(selectedRoutes(undefined, 1)).toEqual(CONTRACT.map(([name]) => keyOf(name)));
		expect(selectedRoutes(['failed', 'completed', 'awaitingPayment'], 1)).toEqual([
			'awaitingPayment',
			'completed',
			'failed',
		]);
		expect(selectedRoutes(['completed', 'other', 'nope', 7], 1)).toEqual(['completed']);
		expect(selectedRoutes([], 1)).toEqual([]);
	});

	it('a router version has the routes that joined at or before it, in table order', () => {
		for (const version of new Set(ROUTES.map((route) => route.since))) {
			const own = routesOfVersion(version);
			expect(own.every((route) => route.since <= version)).toBe(true);
			expect(selectedRoutes(undefined, version)).toEqual(own.map((route) => route.key));
		}
		expect(routesOfVersion(0)).toEqual([]);
	});

	it('sends a status whose route is not selected to Other (the last output)', () => {
		const routes: RouteKey[] = ['completed', 'failed'];
		expect(outputIndexForStatus('COMPLETED', routes)).toBe(0);
		expect(outputIndexForStatus('EXPIRED', routes)).toBe(1);
		expect(outputIndexForStatus('PROCESSING', routes)).toBe(2);
		expect(outputIndexForStatus('APPROVED', [])).toBe(0);
	});

	it('property: any status and any selection land on exactly one existing output', () => {
		const statuses = CONTRACT.flatMap(([, s]) => s);
		fc.assert(
			fc.property(
				fc.subarray([...ROUTE_KEYS]),
				fc.oneof(fc.constantFrom(...statuses), fc.string(), fc.constant(undefined)),
				(routes, status) => {
					const index = outputIndexForStatus(status, routes);
					expect(index).toBeGreaterThanOrEqual(0);
					expect(index).toBeLessThanOrEqual(routes.length);
					const route = routeForStatus(status);
					if (route !== undefined && routes.includes(route)) expect(routes[index]).toBe(route);
					else expect(index).toBe(routes.length);
				},
			),
		);
	});
});
