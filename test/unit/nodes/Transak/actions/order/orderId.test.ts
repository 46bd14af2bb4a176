/**
 * Transak's Get Order and Get Orders answers name the order's ID `_id` (API reference); the fake
 * answers that way here. Every order item carries `orderId` all the same.
 */
import { makeOrders, runTransak, startFake, storeFor, type FakeApi } from '../../../../support/api';

let fake: FakeApi;

beforeEach(async () => {
	fake = await startFake({ orders: makeOrders(130), orderIdKey: '_id' });
});

afterEach(async () => {
	await fake.close();
});

async function run(parameters: Record<string, unknown>) {
	return (await runTransak(storeFor(fake), { resource: 'order', ...parameters })).map(
		(i) => i.json,
	);
}

describe('orders from the API name their ID `_id`', () => {
	it('the fake answers as Transak documents: `_id`, no `id`', async () => {
		const answer = await fetch(`${fake.url}/partners/api/v2/orders?limit=1`, {
			headers: { 'access-token': fake.accessToken },
		});
		const [order] = ((await answer.json()) as { data: Array<Record<string, unknown>> }).data;
		expect(order._id).toEqual(expect.any(String));
		expect(order.id).toBeUndefined();
	});

	it('get: orderId is the order’s `_id`', async () => {
		const { id, status } = fake.orders[7];
		const [item] = await run({ operation: 'get', orderId: id });
		expect(item).toMatchObject({ _id: id, orderId: id, status });
		expect(item.id).toBeUndefined();
	});

	it('get many: every item has its orderId, across pages', async () => {
		const items = await run({ operation: 'getAll', returnAll: true, filters: {} });
		expect(items).toHaveLength(130);
		expect(new Set(items.map((i) => i.orderId))).toEqual(new Set(fake.orders.map((o) => o.id)));
		expect(items.every((i) => i.orderId === i._id && typeof i.status === 'string')).toBe(true);
	});
});
