/** Order > Get on the fake Transak API. */
import { NodeApiError, NodeOperationError, type IDataObject } from 'n8n-workflow';

import { emulateN8n, storeFor, transakNodePerTest } from '../../../../support/api';
import { caught, errorText } from '../../../../support/n8n';

const api = transakNodePerTest();
const { run } = api;

describe('order: get', () => {
	it('a node saved with the defaults (no resource, operation or personal data stored) gets the order', async () => {
		// n8n stores only parameters that differ from their defaults; the emulation applies the rest.
		const order = api.fake.orders[1];
		const items = await run({ orderId: order.id });
		expect(items).toEqual([
			{ json: expect.objectContaining({ orderId: order.id }), pairedItem: { item: 0 } },
		]);
		expect(api.fake.requestsTo(`/partners/api/v2/order/${order.id}`)).toHaveLength(1);
	});

	it('returns the whole order with orderId and status at top level, paired with its input', async () => {
		const order = api.fake.orders[4];
		expect(order.status).toBe('COMPLETED');
		const items = await run({ resource: 'order', operation: 'get', orderId: ` ${order.id} ` });
		expect(items).toEqual([
			{
				json: { ...order, eventID: 'ORDER_COMPLETED', orderId: order.id, status: order.status },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('Transak names the order ID `_id`: orderId is filled from it', async () => {
		const { id, ...order } = api.fake.orders[2];
		api.fake.failNext({
			path: `/partners/api/v2/order/${id}`,
			status: 200,
			body: { meta: { orderId: id }, data: { _id: id, ...order } },
		});
		const items = await run({ resource: 'order', operation: 'get', orderId: String(id) });
		expect(items[0].json).toMatchObject({ _id: id, orderId: id, status: order.status });
	});

	it('takes each input item’s order ID', async () => {
		const ids = [api.fake.orders[1].id, api.fake.orders[2].id, api.fake.orders[3].id] as string[];
		const items = await run(
			{ resource: 'order', operation: 'get', orderId: (i: number) => ids[i] },
			{ items: ids.map((id) => ({ json: { id } })) },
		);
		expect(items.map((i) => [i.json.orderId, i.pairedItem])).toEqual(
			ids.map((id, item) => [id, { item }]),
		);
	});

	it('an empty order ID is a NodeOperationError with its item index, sent nowhere', async () => {
		const error = await caught(
			run(
				{
					resource: 'order',
					operation: 'get',
					orderId: (i: number) => (i === 1 ? '  ' : api.fake.orders[0].id),
				},
				{
					items: [{ json: {} }, { json: {} }],
				},
			),
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Order ID is empty');
		expect((error.context as IDataObject).itemIndex).toBe(1);
		expect(api.fake.requestsTo('/partners/api/v2/order/')).toHaveLength(1);
	});

	it.each(['.', '..', '...', '../orders', 'a/b', '%2e%2e', 'x'.repeat(129), 'id?limit=1', 'id#x'])(
		'order ID %j: refused before any request, with its item index',
		async (orderId) => {
			const error = await caught(run({ resource: 'order', operation: 'get', orderId }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe('The order ID is not a Transak order ID');
			expect((error.context as IDataObject).itemIndex).toBe(0);
			expect(api.fake.requests).toHaveLength(0);
		},
	);

	it('an unknown order is a NodeApiError "Order not found" (HTTP 400) with its item index', async () => {
		const error = await caught(run({ resource: 'order', operation: 'get', orderId: 'missing' }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Order not found');
		expect(error.httpCode).toBe('400');
		expect((error.context as IDataObject).itemIndex).toBe(0);
	});

	it('an error of a later item carries that item’s index: Transak’s as is, any other wrapped', async () => {
		const twoItems = { items: [{ json: {} }, { json: {} }] };
		const apiFailure = await caught(
			run(
				{
					resource: 'order',
					operation: 'get',
					orderId: (i: number) => (i === 1 ? 'missing' : api.fake.orders[0].id),
				},
				twoItems,
			),
		);
		expect(apiFailure).toBeInstanceOf(NodeApiError);
		expect(apiFailure.message).toBe('Order not found');
		expect(apiFailure.httpCode).toBe('400');
		expect(String(apiFailure.description)).toContain('GET /partners/api/v2/order/missing');
		expect((apiFailure.context as IDataObject).itemIndex).toBe(1);

		const plain = await caught(
			run(
				{
					resource: 'order',
					operation: 'get',
					orderId: (i: number) => {
						if (i === 1) throw new Error('parameter could not be read');
						return api.fake.orders[0].id;
					},
				},
				twoItems,
			),
		);
		expect(plain).toBeInstanceOf(NodeOperationError);
		expect(plain.message).toBe('parameter could not be read');
		expect((plain.context as IDataObject).itemIndex).toBe(1);
	});

	it('continueOnFail: failed items become error items, paired, and the others still run', async () => {
		const ids = ['missing', api.fake.orders[0].id, ''];
		const items = await run(
			{ resource: 'order', operation: 'get', orderId: (i: number) => ids[i] },
			{ items: ids.map(() => ({ json: {} })), continueOnFail: true },
		);
		expect(items).toEqual([
			{ json: { error: 'Order not found' }, pairedItem: { item: 0 } },
			expect.objectContaining({
				json: expect.objectContaining({ orderId: api.fake.orders[0].id }),
				pairedItem: { item: 1 },
			}),
			{ json: { error: 'Order ID is empty' }, pairedItem: { item: 2 } },
		]);
	});

	it.each([2, 1] as const)(
		'a wrong access token without API secret: NodeApiError 401 telling how to fix it, no secret in it (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			api.store = storeFor(api.fake, { accessToken: 'wrong-token-1234567', apiSecret: '' });
			const error = await caught(
				run({ resource: 'order', operation: 'get', orderId: api.fake.orders[0].id }),
			);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('401');
			expect(error.message).toContain('Generate a new access token');
			expect(errorText(error)).not.toContain('wrong-token-1234567');

			const items = await run(
				{ resource: 'order', operation: 'get', orderId: api.fake.orders[0].id },
				{ continueOnFail: true },
			);
			expect(items[0].json.error).toContain('The Transak access token has expired or is invalid');
			expect(JSON.stringify(items)).not.toContain('wrong-token-1234567');
		},
	);

	it.each([2, 1] as const)(
		'a refused refresh fails the item with a message naming the problem (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			const expired = api.fake.setAccessToken(api.fake.expiredToken());
			api.store = storeFor(api.fake, { accessToken: expired, apiSecret: 'not-the-right-secret' });
			const error = await caught(
				run({ resource: 'order', operation: 'get', orderId: api.fake.orders[0].id }),
			);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.message).toContain(
				'Transak refused to refresh the access token (HTTP 401: Invalid api secret)',
			);
			expect(errorText(error)).not.toContain('not-the-right-secret');
		},
	);

	it('an expired token with the API secret: refreshes once and returns the order', async () => {
		api.store = storeFor(api.fake, {
			accessToken: api.fake.setAccessToken(api.fake.expiredToken()),
		});
		const items = await run(
			{ resource: 'order', operation: 'get', orderId: (i: number) => api.fake.orders[i].id },
			{ items: [{ json: {} }, { json: {} }, { json: {} }] },
		);
		expect(items.map((i) => i.json.orderId)).toEqual(api.fake.orders.slice(0, 3).map((o) => o.id));
		expect(api.fake.refreshCalls).toBe(1);
		const text = JSON.stringify(items);
		for (const token of api.fake.validTokens) expect(text).not.toContain(token);
		expect(text).not.toContain(api.fake.apiSecret);
	});

	it.each([2, 1] as const)(
		'a token replaced by another system: the item says so, nothing is refreshed (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			const ours = api.fake.accessToken;
			api.fake.rotateAccessToken();
			const items = await run(
				{ resource: 'order', operation: 'get', orderId: api.fake.orders[0].id },
				{ continueOnFail: true },
			);
			expect(items[0].json.error).toContain(
				'it was replaced, probably refreshed by another system',
			);
			expect(api.fake.refreshCalls).toBe(0);
			expect(JSON.stringify(items)).not.toContain(ours);
		},
	);

	it.each([2, 1] as const)(
		'continueOnFail: the error item of the call that refreshed the token masks the new token (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			api.store = storeFor(api.fake, {
				accessToken: api.fake.setAccessToken(api.fake.expiredToken()),
			});
			api.fake.failNext({ path: '/partners/api/v2/order/', authorized: true, echoToken: true });
			const items = await run(
				{ resource: 'order', operation: 'get', orderId: api.fake.orders[0].id },
				{ continueOnFail: true },
			);
			expect(api.fake.refreshCalls).toBe(1);
			expect(items[0].json.error).toBe('Injected failure for access-token [redacted]');
			expect(JSON.stringify(items)).not.toContain(api.fake.accessToken);
		},
	);
});
