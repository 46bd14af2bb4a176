/** Order > Get Many on the fake Transak API. */
import { NodeOperationError, type IDataObject } from 'n8n-workflow';

import { transakNodePerTest, makeOrders } from '../../../../support/api';
import { caught } from '../../../../support/n8n';

/* eslint-disable @typescript-eslint/no-require-imports */
// Luxon comes with n8n-workflow: n8n hands Luxon DateTimes to nodes from date expressions.
const { DateTime } = require('luxon');
/* eslint-enable @typescript-eslint/no-require-imports */

const ORDERS_PATH = '/partners/api/v2/orders';

const api = transakNodePerTest();
const { run } = api;

function orderQueries() {
	return api.fake.requestsTo(ORDERS_PATH).map((r) => r.query);
}
describe('order: getAll', () => {
	const getAll = (extra: IDataObject) =>
		run({
			resource: 'order',
			operation: 'getAll',
			returnAll: false,
			limit: 50,
			filters: {},
			...extra,
		});

	it('limit below a page: one request with that limit', async () => {
		const items = await getAll({ limit: 5 });
		expect(items).toHaveLength(5);
		expect(orderQueries()).toEqual([{ limit: '5', skip: '0' }]);
		expect(
			items.every((i) => typeof i.json.orderId === 'string' && typeof i.json.status === 'string'),
		).toBe(true);
		expect(items.map((i) => i.pairedItem)).toEqual(items.map(() => ({ item: 0 })));
	});

	it('limit above a page: pages of 100 over skip until the limit', async () => {
		api.fake.seedOrders(makeOrders(260));
		const items = await getAll({ limit: 250 });
		expect(items).toHaveLength(250);
		expect(orderQueries()).toEqual([
			{ limit: '100', skip: '0' },
			{ limit: '100', skip: '100' },
			{ limit: '50', skip: '200' },
		]);
		expect(new Set(items.map((i) => i.json.orderId)).size).toBe(250);
	});

	it('returnAll: every order across several pages, stopping at the total', async () => {
		api.fake.seedOrders(makeOrders(230));
		const items = await getAll({ returnAll: true });
		expect(items).toHaveLength(230);
		expect(orderQueries().map((q) => q.skip)).toEqual(['0', '100', '200']);
		const expected = [...api.fake.orders].sort(
			(a, b) => Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt)),
		);
		expect(items.map((i) => i.json.orderId)).toEqual(expected.map((o) => o.id));
	});

	it('returnAll with an exact multiple of the page size stops on the total, without an empty page', async () => {
		api.fake.seedOrders(makeOrders(200));
		expect(await getAll({ returnAll: true })).toHaveLength(200);
		expect(orderQueries()).toHaveLength(2);
	});

	it('returnAll stops when a server ignores skip and repeats the same page', async () => {
		api.fake.seedOrders(makeOrders(100));
		for (let i = 0; i < 5; i++)
			api.fake.failNext({
				path: ORDERS_PATH,
				status: 200,
				body: { meta: {}, data: api.fake.orders },
			});
		const items = await getAll({ returnAll: true });
		expect(items).toHaveLength(100);
		expect(orderQueries()).toHaveLength(2);
	});

	it('Transak names the order ID `_id`: every item has its orderId, and paging still stops', async () => {
		api.fake.seedOrders(makeOrders(100));
		const named = api.fake.orders.map(({ id, ...order }) => ({ _id: id, ...order }));
		for (let i = 0; i < 5; i++)
			api.fake.failNext({ path: ORDERS_PATH, status: 200, body: { meta: {}, data: named } });
		const items = await getAll({ returnAll: true });
		expect(items.map((i) => i.json.orderId)).toEqual(api.fake.orders.map((o) => o.id));
		expect(items[0].json._id).toBe(api.fake.orders[0].id);
		// A server that ignores skip is still noticed by the orders' IDs.
		expect(orderQueries()).toHaveLength(2);
	});

	it('sends every filter as Transak expects and gets the matching orders', async () => {
		const target = api.fake.orders[9];
		const items = await getAll({
			filters: {
				status: target.status,
				partnerOrderId: target.partnerOrderId,
				walletAddress: target.walletAddress,
				productsAvailed: [String(target.isBuyOrSell).toLowerCase()],
				startDate: '2024-01-01T00:00:00',
				endDate: DateTime.fromISO('2024-02-01T10:00:00'),
				sortOrder: 'asc',
			},
		});
		expect(items.map((i) => i.json.orderId)).toEqual([target.id]);
		expect(orderQueries()).toEqual([
			{
				limit: '50',
				skip: '0',
				startDate: '2024-01-01',
				endDate: '2024-02-01',
				'filter[status]': target.status,
				'filter[partnerOrderId]': target.partnerOrderId,
				'filter[walletAddress]': target.walletAddress,
				'filter[productsAvailed]': JSON.stringify([target.isBuyOrSell]),
				'filter[sortOrder]': 'asc',
			},
		]);
	});

	it('product filter: buy, sell, or both', async () => {
		const buys = await getAll({ returnAll: true, filters: { productsAvailed: ['BUY'] } });
		expect(buys).toHaveLength(15);
		expect(buys.every((i) => i.json.isBuyOrSell === 'BUY')).toBe(true);
		expect(
			await getAll({ returnAll: true, filters: { productsAvailed: ['BUY', 'SELL'] } }),
		).toHaveLength(30);
	});

	it('sort order asc and desc', async () => {
		const asc = await getAll({ limit: 3, filters: { sortOrder: 'asc' } });
		const desc = await getAll({ limit: 3, filters: { sortOrder: 'desc' } });
		expect(asc.map((i) => i.json.orderId)).toEqual(api.fake.orders.slice(0, 3).map((o) => o.id));
		expect(desc.map((i) => i.json.orderId)).toEqual(
			api.fake.orders
				.slice(-3)
				.reverse()
				.map((o) => o.id),
		);
	});

	it('bad dates and inverted ranges are NodeOperationErrors with the item index, before any request', async () => {
		for (const filters of [
			{ startDate: 'yesterday-ish' },
			{ endDate: '2024-02-30' },
			{ startDate: '2024-03-01', endDate: '2024-02-01' },
		]) {
			const error = await caught(getAll({ filters }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect((error.context as IDataObject).itemIndex).toBe(0);
		}
		expect(orderQueries()).toHaveLength(0);
	});

	it('a limit below 1 is refused', async () => {
		expect(await caught(getAll({ limit: 0 }))).toBeInstanceOf(NodeOperationError);
	});
});
