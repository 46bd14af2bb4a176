/** What recovery asks the partner API after a reconnect, and what it keeps. */
import type { IDataObject } from 'n8n-workflow';

import {
	fetchMissedEvents,
	orderChangedAt,
	type RecoveryApi,
} from '../../../../../nodes/Transak/pusher/recovery';
import { JwtVerifier } from '../../../../../nodes/Transak/verification/jwt';
import { ACCESS_TOKEN, fixtures, newOrder, signedOrder } from '../../../support/pusher';

const verifier = new JwtVerifier([ACCESS_TOKEN]);

describe('orderChangedAt', () => {
	it('takes the latest known timestamp', () => {
		expect(
			orderChangedAt({
				createdAt: '2024-01-01T00:00:00Z',
				updatedAt: '2024-01-01T00:05:00Z',
				statusHistories: [{ createdAt: '2024-01-01T00:07:00Z' }],
			}),
		).toBe(Date.parse('2024-01-01T00:07:00Z'));
		expect(orderChangedAt({})).toBeUndefined();
	});
});

describe('fetchMissedEvents', () => {
	const since = Date.parse('2025-06-01T12:00:00Z');
	const at = (offsetMinutes: number) => new Date(since + offsetMinutes * 60_000).toISOString();

	function fakeApi(
		orders: IDataObject[],
		webhooks: IDataObject[] = [],
	): RecoveryApi & { calls: IDataObject[] } {
		const calls: IDataObject[] = [];
		return {
			calls,
			getOrder: async (id) => {
				calls.push({ getOrder: id });
				return orders.find((o) => o.id === id)!;
			},
			listOrders: async (query) => {
				calls.push({ listOrders: query as IDataObject });
				const skip = query.skip ?? 0;
				return orders.slice(skip, skip + (query.limit ?? 100));
			},
			listWebhooks: async (query) => {
				calls.push({ listWebhooks: query as IDataObject });
				return webhooks;
			},
		};
	}

	it('keeps changes since the gap began (minus the margin), oldest first, marked recovered', async () => {
		const api = fakeApi([
			{ id: 'a', status: 'COMPLETED', updatedAt: at(5) },
			{ id: 'b', status: 'PROCESSING', updatedAt: at(-0.5) }, // within the 60 s margin
			{ id: 'c', status: 'COMPLETED', updatedAt: at(-10) }, // before the gap
			{ id: 'd', status: 'MYSTERY', updatedAt: at(1) }, // unknown status
		]);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
		});
		expect(found.map((f) => [f.event.subjectId, f.event.eventID, f.event.json.recovered])).toEqual([
			['b', 'ORDER_PROCESSING', true],
			['a', 'ORDER_COMPLETED', true],
		]);
		const query = api.calls[0].listOrders as IDataObject;
		expect(query).toMatchObject({
			startDate: '2025-05-31',
			sortOrder: 'desc',
			skip: 0,
			limit: 100,
		});
	});

	it('pages through the orders list, up to a limit', async () => {
		const orders = Array.from({ length: 25 }, (_, i) => ({
			id: `o${i}`,
			status: 'COMPLETED',
			updatedAt: at(1),
		}));
		const api = fakeApi(orders);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
			pageSize: 10,
			maxPages: 2,
		});
		expect(found).toHaveLength(20);
		expect(api.calls.filter((c) => c.listOrders)).toHaveLength(2);
	});

	it('reads webhook history, verifying token-shaped data, and survives its failure', async () => {
		const order = newOrder({ id: 'w1', status: 'PROCESSING' });
		const api = fakeApi(
			[],
			[
				{ createdAt: at(1), eventID: 'ORDER_PROCESSING', webhookData: order },
				{
					createdAt: at(2),
					eventID: 'ORDER_COMPLETED',
					webhookData: signedOrder('ORDER_COMPLETED', { ...order, status: 'COMPLETED' }),
				},
				{
					createdAt: at(3),
					eventID: 'ORDER_COMPLETED',
					webhookData: fixtures.forge({ ...order, status: 'REFUNDED' }),
				},
				{ createdAt: at(-30), eventID: 'ORDER_CREATED', webhookData: order },
				{ createdAt: at(4), eventID: 'KYC_APPROVED', webhookData: order },
			],
		);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
		});
		expect(found.map((f) => [f.event.eventID, f.event.status])).toEqual([
			['ORDER_PROCESSING', 'PROCESSING'],
			['ORDER_COMPLETED', 'COMPLETED'],
		]);

		const failing = {
			...fakeApi([{ id: 'x', status: 'COMPLETED', updatedAt: at(1) }]),
			listWebhooks: async () => Promise.reject(new Error('404')),
		};
		const errors: string[] = [];
		const still = await fetchMissedEvents(failing, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
			onSourceError: (source) => errors.push(source),
		});
		expect(still).toHaveLength(1);
		expect(errors).toEqual(['webhook history']);
	});

	it('reads records whatever they call the order and the event (`_id`, `eventId`, `orderID`)', async () => {
		const api = fakeApi(
			[{ _id: 'listed', status: 'COMPLETED', updatedAt: at(1) }],
			[
				{
					createdAt: at(2),
					eventId: 'ORDER_REFUNDED',
					orderID: 'delivered',
					webhookData: { status: 'REFUNDED' },
				},
			],
		);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
		});
		expect(found.map((f) => [f.event.subjectId, f.event.eventID, f.event.status])).toEqual([
			['listed', 'ORDER_COMPLETED', 'COMPLETED'],
			['delivered', 'ORDER_REFUNDED', 'REFUNDED'],
		]);
		expect(found.every((f) => f.event.json.recovered === true)).toBe(true);
	});

	it('webhook history signed with a token the credential got meanwhile: the keys are read again, once', async () => {
		const order = newOrder({ id: 'w2', status: 'PROCESSING' });
		const rotated = 'rotated-during-the-outage-ffffffffff';
		const history = ['COMPLETED', 'REFUNDED'].map((status, i) => ({
			createdAt: at(i + 1),
			eventID: `ORDER_${status}`,
			webhookData: signedOrder(`ORDER_${status}`, { ...order, status }, rotated),
		}));
		const forged = {
			createdAt: at(3),
			eventID: 'ORDER_FAILED',
			webhookData: fixtures.forge(order),
		};
		let rereads = 0;
		const found = await fetchMissedEvents(
			fakeApi([], [...history, forged]),
			{ mode: 'allOrders' },
			since,
			{
				events: [],
				verifier,
				rereadKeys: async () => {
					rereads += 1;
					return new JwtVerifier([ACCESS_TOKEN, rotated]);
				},
			},
		);
		expect(found.map((f) => f.event.status)).toEqual(['COMPLETED', 'REFUNDED']);
		expect(rereads).toBe(1);
	});

	it('an answer that ignored the filter starts nothing for other orders', async () => {
		const api = fakeApi([
			{ id: 'other', status: 'COMPLETED', updatedAt: at(1), partnerOrderId: 'someone-else' },
			{ id: 'a', status: 'COMPLETED', updatedAt: at(2), partnerOrderId: 'p' },
			{ _id: 'b', status: 'REFUNDED', updatedAt: at(3) }, // says no partner order: kept
		]);
		const partner = await fetchMissedEvents(
			api,
			{ mode: 'partnerOrderId', partnerOrderId: 'p' },
			since,
			{ events: [], verifier },
		);
		expect(partner.map((f) => f.event.subjectId)).toEqual(['a', 'b']);
		const wrongOrder = {
			...api,
			getOrder: async () => ({ id: 'other', status: 'COMPLETED', updatedAt: at(1) }),
		};
		expect(
			await fetchMissedEvents(wrongOrder, { mode: 'orderId', orderId: 'a' }, since, {
				events: [],
				verifier,
			}),
		).toEqual([]);
	});

	it('single order and partner order: one call each; a failing primary source throws', async () => {
		const api = fakeApi([{ id: 'a', status: 'COMPLETED', updatedAt: at(1), partnerOrderId: 'p' }]);
		expect(
			await fetchMissedEvents(api, { mode: 'orderId', orderId: 'a' }, since, {
				events: [],
				verifier,
			}),
		).toHaveLength(1);
		expect(
			await fetchMissedEvents(api, { mode: 'partnerOrderId', partnerOrderId: 'p' }, since, {
				events: [],
				verifier,
			}),
		).toHaveLength(1);
		expect(api.calls).toEqual([
			{ getOrder: 'a' },
			{ listOrders: { partnerOrderId: 'p', limit: 100, sortOrder: 'desc' } },
		]);

		const broken = { ...api, getOrder: async () => Promise.reject(new Error('down')) };
		await expect(
			fetchMissedEvents(broken, { mode: 'orderId', orderId: 'a' }, since, { events: [], verifier }),
		).rejects.toThrow('down');
	});
});
