import { NodeApiError, NodeOperationError, type IDataObject } from 'n8n-workflow';

import { Transak } from '../../../../nodes/Transak/Transak.node';
import { toTransakDate } from '../../../../nodes/Transak/actions/order/dates';
import {
	contextFor,
	emulateN8n,
	fakeApiPerTest,
	makeOrders,
	storeFor,
	type FakeApi,
} from '../../support/api';
import { caught, errorText, type CredentialStore } from '../../support/n8n';

/* eslint-disable @typescript-eslint/no-require-imports */
const { sign, sampleOrder } = require('../../../../tools/transak/fixtures');
// Luxon comes with n8n-workflow: n8n hands Luxon DateTimes to nodes from date expressions.
const { DateTime } = require('luxon');
/* eslint-enable @typescript-eslint/no-require-imports */

const ORDERS_PATH = '/partners/api/v2/orders';

let fake: FakeApi;
let store: CredentialStore;

fakeApiPerTest(30, (started) => {
	fake = started;
	store = storeFor(fake);
});

async function run(
	parameters: IDataObject,
	options: { items?: IDataObject[]; continueOnFail?: boolean } = {},
) {
	const ctx = contextFor(store, { parameters, ...options });
	return (await new Transak().execute.call(ctx))[0];
}

function orderQueries() {
	return fake.requestsTo(ORDERS_PATH).map((r) => r.query);
}

describe('Transak node description', () => {
	it('is the contract’s `transak` node, usable as a tool, with the transakApi credential', () => {
		const { description } = new Transak();
		expect(description.name).toBe('transak');
		expect(description.displayName).toBe('Transak');
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([{ name: 'transakApi', required: true }]);
		expect(description.icon).toEqual({ light: 'file:transak.svg', dark: 'file:transak.dark.svg' });
		const names = description.properties.map((p) => p.name);
		for (const name of ['resource', 'operation', 'orderId', 'returnAll', 'limit', 'filters']) {
			expect(names).toContain(name);
		}
	});
});

describe('order: get', () => {
	it('a node saved with the defaults (no resource, operation or personal data stored) gets the order', async () => {
		// n8n stores only parameters that differ from their defaults; the emulation applies the rest.
		const order = fake.orders[1];
		const items = await run({ orderId: order.id });
		expect(items).toEqual([
			{ json: expect.objectContaining({ orderId: order.id }), pairedItem: { item: 0 } },
		]);
		expect(fake.requestsTo(`/partners/api/v2/order/${order.id}`)).toHaveLength(1);
	});

	it('returns the whole order with orderId and status at top level, paired with its input', async () => {
		const order = fake.orders[4];
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
		const { id, ...order } = fake.orders[2];
		fake.failNext({
			path: `/partners/api/v2/order/${id}`,
			status: 200,
			body: { meta: { orderId: id }, data: { _id: id, ...order } },
		});
		const items = await run({ resource: 'order', operation: 'get', orderId: String(id) });
		expect(items[0].json).toMatchObject({ _id: id, orderId: id, status: order.status });
	});

	it('takes each input item’s order ID', async () => {
		const ids = [fake.orders[1].id, fake.orders[2].id, fake.orders[3].id] as string[];
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
					orderId: (i: number) => (i === 1 ? '  ' : fake.orders[0].id),
				},
				{
					items: [{ json: {} }, { json: {} }],
				},
			),
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Order ID is empty');
		expect((error.context as IDataObject).itemIndex).toBe(1);
		expect(fake.requestsTo('/partners/api/v2/order/')).toHaveLength(1);
	});

	it.each(['.', '..', '...', '../orders', 'a/b', '%2e%2e', 'x'.repeat(129), 'id?limit=1', 'id#x'])(
		'order ID %j: refused before any request, with its item index',
		async (orderId) => {
			const error = await caught(run({ resource: 'order', operation: 'get', orderId }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe('The order ID is not a Transak order ID');
			expect((error.context as IDataObject).itemIndex).toBe(0);
			expect(fake.requests).toHaveLength(0);
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
					orderId: (i: number) => (i === 1 ? 'missing' : fake.orders[0].id),
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
						return fake.orders[0].id;
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
		const ids = ['missing', fake.orders[0].id, ''];
		const items = await run(
			{ resource: 'order', operation: 'get', orderId: (i: number) => ids[i] },
			{ items: ids.map(() => ({ json: {} })), continueOnFail: true },
		);
		expect(items).toEqual([
			{ json: { error: 'Order not found' }, pairedItem: { item: 0 } },
			expect.objectContaining({
				json: expect.objectContaining({ orderId: fake.orders[0].id }),
				pairedItem: { item: 1 },
			}),
			{ json: { error: 'Order ID is empty' }, pairedItem: { item: 2 } },
		]);
	});

	it.each([2, 1] as const)(
		'a wrong access token without API secret: NodeApiError 401 telling how to fix it, no secret in it (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			store = storeFor(fake, { accessToken: 'wrong-token-1234567', apiSecret: '' });
			const error = await caught(
				run({ resource: 'order', operation: 'get', orderId: fake.orders[0].id }),
			);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('401');
			expect(error.message).toContain('Generate a new access token');
			expect(errorText(error)).not.toContain('wrong-token-1234567');

			const items = await run(
				{ resource: 'order', operation: 'get', orderId: fake.orders[0].id },
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
			const expired = fake.setAccessToken(fake.expiredToken());
			store = storeFor(fake, { accessToken: expired, apiSecret: 'not-the-right-secret' });
			const error = await caught(
				run({ resource: 'order', operation: 'get', orderId: fake.orders[0].id }),
			);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.message).toContain(
				'Transak refused to refresh the access token (HTTP 401: Invalid api secret)',
			);
			expect(errorText(error)).not.toContain('not-the-right-secret');
		},
	);

	it('an expired token with the API secret: refreshes once and returns the order', async () => {
		store = storeFor(fake, { accessToken: fake.setAccessToken(fake.expiredToken()) });
		const items = await run(
			{ resource: 'order', operation: 'get', orderId: (i: number) => fake.orders[i].id },
			{ items: [{ json: {} }, { json: {} }, { json: {} }] },
		);
		expect(items.map((i) => i.json.orderId)).toEqual(fake.orders.slice(0, 3).map((o) => o.id));
		expect(fake.refreshCalls).toBe(1);
		const text = JSON.stringify(items);
		for (const token of fake.validTokens) expect(text).not.toContain(token);
		expect(text).not.toContain(fake.apiSecret);
	});

	it.each([2, 1] as const)(
		'a token replaced by another system: the item says so, nothing is refreshed (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			const ours = fake.accessToken;
			fake.rotateAccessToken();
			const items = await run(
				{ resource: 'order', operation: 'get', orderId: fake.orders[0].id },
				{ continueOnFail: true },
			);
			expect(items[0].json.error).toContain(
				'it was replaced, probably refreshed by another system',
			);
			expect(fake.refreshCalls).toBe(0);
			expect(JSON.stringify(items)).not.toContain(ours);
		},
	);

	it.each([2, 1] as const)(
		'continueOnFail: the error item of the call that refreshed the token masks the new token (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			store = storeFor(fake, { accessToken: fake.setAccessToken(fake.expiredToken()) });
			fake.failNext({ path: '/partners/api/v2/order/', authorized: true, echoToken: true });
			const items = await run(
				{ resource: 'order', operation: 'get', orderId: fake.orders[0].id },
				{ continueOnFail: true },
			);
			expect(fake.refreshCalls).toBe(1);
			expect(items[0].json.error).toBe('Injected failure for access-token [redacted]');
			expect(JSON.stringify(items)).not.toContain(fake.accessToken);
		},
	);
});

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
		fake.seedOrders(makeOrders(260));
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
		fake.seedOrders(makeOrders(230));
		const items = await getAll({ returnAll: true });
		expect(items).toHaveLength(230);
		expect(orderQueries().map((q) => q.skip)).toEqual(['0', '100', '200']);
		const expected = [...fake.orders].sort(
			(a, b) => Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt)),
		);
		expect(items.map((i) => i.json.orderId)).toEqual(expected.map((o) => o.id));
	});

	it('returnAll with an exact multiple of the page size stops on the total, without an empty page', async () => {
		fake.seedOrders(makeOrders(200));
		expect(await getAll({ returnAll: true })).toHaveLength(200);
		expect(orderQueries()).toHaveLength(2);
	});

	it('returnAll stops when a server ignores skip and repeats the same page', async () => {
		fake.seedOrders(makeOrders(100));
		for (let i = 0; i < 5; i++)
			fake.failNext({ path: ORDERS_PATH, status: 200, body: { meta: {}, data: fake.orders } });
		const items = await getAll({ returnAll: true });
		expect(items).toHaveLength(100);
		expect(orderQueries()).toHaveLength(2);
	});

	it('Transak names the order ID `_id`: every item has its orderId, and paging still stops', async () => {
		fake.seedOrders(makeOrders(100));
		const named = fake.orders.map(({ id, ...order }) => ({ _id: id, ...order }));
		for (let i = 0; i < 5; i++)
			fake.failNext({ path: ORDERS_PATH, status: 200, body: { meta: {}, data: named } });
		const items = await getAll({ returnAll: true });
		expect(items.map((i) => i.json.orderId)).toEqual(fake.orders.map((o) => o.id));
		expect(items[0].json._id).toBe(fake.orders[0].id);
		// A server that ignores skip is still noticed by the orders' IDs.
		expect(orderQueries()).toHaveLength(2);
	});

	it('sends every filter as Transak expects and gets the matching orders', async () => {
		const target = fake.orders[9];
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
		expect(asc.map((i) => i.json.orderId)).toEqual(fake.orders.slice(0, 3).map((o) => o.id));
		expect(desc.map((i) => i.json.orderId)).toEqual(
			fake.orders
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

describe('webhook: getAll', () => {
	const list = (extra: IDataObject = {}) =>
		run({
			resource: 'webhook',
			operation: 'getAll',
			returnAll: true,
			webhookFilters: {},
			...extra,
		});

	it('lists past deliveries shaped for reconciliation, filtered by event and order', async () => {
		const [a, b] = fake.orders;
		fake.addWebhook({
			id: 'w1',
			eventID: 'ORDER_COMPLETED',
			order: { ...a, status: 'COMPLETED' },
			createdAt: '2024-08-01T00:00:00.000Z',
		});
		fake.addWebhook({
			id: 'w2',
			eventID: 'ORDER_FAILED',
			order: { ...b, status: 'EXPIRED' },
			createdAt: '2024-08-02T00:00:00.000Z',
		});
		fake.addWebhook({ id: 'w3', eventID: 'ORDER_COMPLETED', order: { ...b, status: 'COMPLETED' } });

		const all = await list();
		expect(all).toHaveLength(3);
		expect(all[1]).toEqual({
			json: {
				id: 'w2',
				eventID: 'ORDER_FAILED',
				orderId: b.id,
				status: 'EXPIRED',
				createdAt: '2024-08-02T00:00:00.000Z',
				webhookData: { ...b, status: 'EXPIRED' },
			},
			pairedItem: { item: 0 },
		});
		expect(JSON.stringify(all)).not.toContain(fake.apiKey); // partnerApiKey is left out

		expect(
			(await list({ webhookFilters: { eventID: 'ORDER_COMPLETED' } })).map((i) => i.json.id),
		).toEqual(['w1', 'w3']);
		expect((await list({ webhookFilters: { orderID: b.id } })).map((i) => i.json.id)).toEqual([
			'w2',
			'w3',
		]);
		expect((await list({ returnAll: false, limit: 2 })).map((i) => i.json.id)).toEqual([
			'w1',
			'w2',
		]);
		expect(fake.requestsTo('/partners/api/v2/webhooks').map((r) => r.query)).toEqual([
			{},
			{ eventID: 'ORDER_COMPLETED' },
			{ orderID: b.id },
			{},
		]);
	});

	it('decodes deliveries listed as JWTs signed with the access token, and keeps others as sent', async () => {
		const order = sampleOrder({ status: 'COMPLETED' });
		fake.addWebhook({
			id: 'signed',
			eventID: 'ORDER_COMPLETED',
			webhookData: sign({ webhookData: order, eventID: 'ORDER_COMPLETED' }, fake.accessToken),
		});
		const foreign = sign(
			{ webhookData: order, eventID: 'ORDER_COMPLETED' },
			'someone-else-key-123',
		);
		fake.addWebhook({ id: 'foreign', eventID: 'ORDER_COMPLETED', webhookData: foreign });
		fake.addWebhook({
			id: 'kyc',
			eventID: 'KYC_APPROVED',
			webhookData: { kycStatus: 'APPROVED', partnerUserId: 'u-1' },
		});

		const [signed, unsigned, kyc] = (await list()).map((i) => i.json);
		expect(signed).toMatchObject({
			id: 'signed',
			orderId: order.id,
			status: 'COMPLETED',
			webhookData: order,
		});
		expect(unsigned).toMatchObject({ id: 'foreign', status: 'COMPLETED', webhookData: foreign });
		expect(unsigned.orderId).toBeUndefined();
		expect(kyc).toMatchObject({
			id: 'kyc',
			eventID: 'KYC_APPROVED',
			status: 'APPROVED',
			partnerUserId: 'u-1',
		});
	});
});

describe('Personal Data on order and delivery reads', () => {
	it('order get: Remove drops the wallet, Pseudonymise replaces it, Keep (the default) keeps it', async () => {
		const order = fake.orders[4];
		expect(typeof order.walletAddress).toBe('string');
		const get = async (personalData?: string) =>
			(
				await run({
					resource: 'order',
					operation: 'get',
					orderId: String(order.id),
					...(personalData === undefined ? {} : { personalData }),
				})
			)[0];
		const kept = await get();
		const removed = await get('remove');
		const pseudonymised = await get('pseudonymise');
		expect(kept.json.walletAddress).toBe(order.walletAddress);
		expect(removed.json).not.toHaveProperty('walletAddress');
		expect(removed.json).toMatchObject({ orderId: order.id, status: order.status });
		expect(removed.pairedItem).toEqual({ item: 0 });
		expect(pseudonymised.json.walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
	});

	it('order getAll: the same customer gets the same pseudonym on every order', async () => {
		const items = await run({
			resource: 'order',
			operation: 'getAll',
			returnAll: false,
			limit: 5,
			filters: {},
			personalData: 'pseudonymise',
		});
		expect(items).toHaveLength(5);
		const byWallet = new Map<unknown, unknown>();
		for (const item of items) {
			const original = fake.orders.find((o) => o.id === item.json.orderId)!;
			expect(item.json.walletAddress).toMatch(/^pseud_/);
			const seen = byWallet.get(original.walletAddress);
			if (seen !== undefined) expect(item.json.walletAddress).toBe(seen);
			byWallet.set(original.walletAddress, item.json.walletAddress);
			expect(JSON.stringify(item.json)).not.toContain(String(original.walletAddress));
		}
	});

	it('webhook getAll: Remove drops personal data inside the delivered order', async () => {
		const order = fake.orders[0];
		fake.addWebhook({
			id: 'w-pd',
			eventID: 'ORDER_COMPLETED',
			order: { ...order, status: 'COMPLETED' },
		});
		const items = await run({
			resource: 'webhook',
			operation: 'getAll',
			returnAll: true,
			webhookFilters: {},
			personalData: 'remove',
		});
		const delivery = items.find((i) => i.json.id === 'w-pd')!;
		expect(delivery.json).toMatchObject({ orderId: order.id, status: 'COMPLETED' });
		expect(JSON.stringify(delivery.json)).not.toContain(String(order.walletAddress));
	});
});
