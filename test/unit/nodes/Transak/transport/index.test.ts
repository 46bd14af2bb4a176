import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	getOrder,
	listOrders,
	listOrdersPage,
	listWebhooks,
	ordersQueryString,
	transakApiRequest,
} from '../../../../../nodes/Transak/transport';
import { credentialFingerprint, isExpiredJwt } from '../../../../../nodes/Transak/transport/token';
import { currentAccessTokens } from '../../../../../nodes/Transak/verification/keys';
import {
	contextFor,
	emulateN8n,
	fakeApiPerTest,
	storeFor,
	type FakeApi,
} from '../../../support/api';
import { caught, errorText } from '../../../support/n8n';

const ORDER_PATH = '/partners/api/v2/order/';

let fake: FakeApi;
let orders: Array<Record<string, unknown>>;

fakeApiPerTest(12, (started) => {
	fake = started;
	orders = fake.orders as Array<Record<string, unknown>>;
});

function secretsOf(...tokens: string[]): string[] {
	return [fake.apiSecret, ...tokens].filter((t) => t.length > 0);
}

function expectNoSecrets(error: unknown, secrets: string[]): void {
	const text = errorText(error);
	for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('ordersQueryString', () => {
	it('encodes every filter as Transak names it, products as a JSON array string', () => {
		expect(
			ordersQueryString({
				limit: 10,
				skip: 20,
				startDate: '2024-01-01',
				endDate: '2024-01-31',
				status: 'COMPLETED',
				partnerOrderId: 'p-1',
				walletAddress: '0xabc',
				productsAvailed: ['BUY', 'SELL'],
				sortOrder: 'asc',
			}),
		).toEqual({
			limit: 10,
			skip: 20,
			startDate: '2024-01-01',
			endDate: '2024-01-31',
			'filter[status]': 'COMPLETED',
			'filter[partnerOrderId]': 'p-1',
			'filter[walletAddress]': '0xabc',
			'filter[productsAvailed]': '["BUY","SELL"]',
			'filter[sortOrder]': 'asc',
		});
	});

	it('leaves out what is not set', () => {
		expect(ordersQueryString({})).toEqual({});
		expect(ordersQueryString({ productsAvailed: [], status: '', skip: 0 })).toEqual({ skip: 0 });
	});
});

describe.each([2, 1] as const)('requests (errors wrapped as n8n %i.x does)', (major) => {
	beforeEach(() => emulateN8n(major));
	it('getOrder returns the order and sends the access-token header', async () => {
		const store = storeFor(fake);
		const order = await getOrder.call(contextFor(store), orders[3].id as string);
		expect(order).toEqual(orders[3]);
		const [request] = fake.requestsTo(ORDER_PATH);
		expect(request.accessToken).toBe(fake.accessToken);
		// First use copies the token into the credential's current-token field: a write, no refresh, no probe.
		expect(store.writes).toBe(1);
		expect(store.stored.currentAccessToken).toBe(fake.accessToken);
		expect(store.stored.currentAccessTokenFor).toBe(
			credentialFingerprint(store.decrypt() as never),
		);
		expect(fake.refreshCalls).toBe(0);
		expect(fake.requests).toHaveLength(1);

		await getOrder.call(contextFor(store), orders[4].id as string);
		expect(store.writes).toBe(1);
		expect(fake.requests).toHaveLength(2);
	});

	it('getOrder URL-encodes the order ID', async () => {
		const id = 'a/b?c d';
		fake.addOrder({ ...orders[0], id });
		await expect(getOrder.call(contextFor(storeFor(fake)), id)).resolves.toMatchObject({ id });
	});

	it('getOrder of an unknown order is a NodeApiError with Transak’s message', async () => {
		const error = await caught(getOrder.call(contextFor(storeFor(fake)), 'no-such-order'));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Order not found');
		expect(error.httpCode).toBe('400');
		expect(error.description).toContain('GET /partners/api/v2/order/no-such-order');
	});

	it('getOrder of an empty ID is a NodeOperationError, before any request', async () => {
		const error = await caught(getOrder.call(contextFor(storeFor(fake)), '  '));
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(fake.requests).toHaveLength(0);
	});

	it('listOrders returns one page; listOrdersPage also the total', async () => {
		const ctx = contextFor(storeFor(fake));
		const page = await listOrders.call(ctx, { limit: 5, skip: 10, sortOrder: 'asc' });
		expect(page.map((o) => o.id)).toEqual(orders.slice(10, 12).map((o) => o.id));
		const withTotal = await listOrdersPage.call(ctx, { limit: 3 });
		expect(withTotal.totalCount).toBe(12);
		expect(withTotal.items).toHaveLength(3);
		expect(fake.requestsTo('/partners/api/v2/orders').map((r) => r.query)).toEqual([
			{ limit: '5', skip: '10', 'filter[sortOrder]': 'asc' },
			{ limit: '3' },
		]);
	});

	it('listOrders sends filters the fake API understands', async () => {
		const ctx = contextFor(storeFor(fake));
		const sells = await listOrders.call(ctx, { productsAvailed: ['SELL'], limit: 100 });
		expect(sells.length).toBe(6);
		expect(sells.every((o) => o.isBuyOrSell === 'SELL')).toBe(true);
		const one = await listOrders.call(ctx, {
			partnerOrderId: 'partner-order-7',
			walletAddress: orders[7].walletAddress as string,
		});
		expect(one.map((o) => o.id)).toEqual([orders[7].id]);
		const inDay = await listOrders.call(ctx, { startDate: '2024-01-02', endDate: '2024-01-02' });
		expect(inDay.map((o) => o.createdAt)).toEqual(
			orders
				.filter((o) => String(o.createdAt).startsWith('2024-01-02'))
				.map((o) => o.createdAt)
				.reverse(),
		);
	});

	it('listWebhooks passes eventID and orderID', async () => {
		fake.addWebhook({ eventID: 'ORDER_COMPLETED', order: orders[0] });
		fake.addWebhook({ eventID: 'ORDER_FAILED', order: orders[1] });
		fake.addWebhook({ eventID: 'ORDER_COMPLETED', order: orders[2] });
		const ctx = contextFor(storeFor(fake));
		expect(await listWebhooks.call(ctx, {})).toHaveLength(3);
		expect(await listWebhooks.call(ctx, { eventID: 'ORDER_COMPLETED' })).toHaveLength(2);
		const byOrder = await listWebhooks.call(ctx, { orderID: orders[1].id as string });
		expect(byOrder.map((w) => w.eventID)).toEqual(['ORDER_FAILED']);
		expect(fake.requestsTo('/partners/api/v2/webhooks').map((r) => r.query)).toEqual([
			{},
			{ eventID: 'ORDER_COMPLETED' },
			{ orderID: orders[1].id },
		]);
	});

	it('transakApiRequest refuses a custom environment without a base URL', async () => {
		const store = storeFor(fake, { baseUrl: '' });
		const error = await caught(
			transakApiRequest.call(contextFor(store), 'GET', '/partners/api/v2/orders'),
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toContain('base URL');
	});

	it('an unreachable API is a clear NodeApiError', async () => {
		const store = storeFor(fake);
		await fake.close();
		const error = await caught(getOrder.call(contextFor(store), 'x'));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Could not reach the Transak API (connection refused)');
		expect(error.description).toContain('(ECONNREFUSED)');
		expectNoSecrets(error, secretsOf(fake.accessToken));
	});

	it('other Transak errors carry their status and message, scrubbed of secrets', async () => {
		const token = fake.accessToken;
		fake.failNext({
			path: ORDER_PATH,
			status: 429,
			body: { error: { message: `slow down ${token} ${fake.apiSecret}` } },
		});
		const error = await caught(getOrder.call(contextFor(storeFor(fake)), orders[0].id as string));
		expect(error.httpCode).toBe('429');
		expect(error.message).toBe('slow down [redacted] [redacted]');
		expectNoSecrets(error, secretsOf(token));
	});
});

describe.each([2, 1] as const)('token refresh (errors wrapped as n8n %i.x does)', (major) => {
	beforeEach(() => emulateN8n(major));
	it('401 -> one refresh -> the call is retried with the new token, which is kept', async () => {
		const store = storeFor(fake);
		const oldToken = fake.accessToken;
		await getOrder.call(contextFor(store), orders[0].id as string); // first use fills the current token
		fake.expireAccessToken();
		fake.reset();

		const order = await getOrder.call(contextFor(store), orders[1].id as string);
		expect(order.id).toBe(orders[1].id);
		expect(fake.refreshCalls).toBe(1);
		const newToken = fake.accessToken;
		expect(newToken).not.toBe(oldToken);
		expect(store.stored.currentAccessToken).toBe(newToken);
		expect(store.stored.accessToken).toBe(oldToken); // the user's own field is untouched
		// 401, probe (401), refresh, retry
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET ${ORDER_PATH}${orders[1].id}`,
			'GET /partners/api/v2/orders',
			'POST /partners/api/v2/refresh-token',
			`GET ${ORDER_PATH}${orders[1].id}`,
		]);
		expect(fake.requests[3].accessToken).toBe(newToken);
		expect(fake.requests[2].apiSecret).toBe(fake.apiSecret);

		// Later calls use the stored new token straight away.
		await getOrder.call(contextFor(store), orders[2].id as string);
		expect(fake.requests[4].accessToken).toBe(newToken);
		expect(fake.refreshCalls).toBe(1);
		expect(currentAccessTokens(store.decrypt() as never)).toEqual([newToken, oldToken]);
	});

	it('a token whose JWT exp has passed is refreshed without asking Transak first', async () => {
		const expired = fake.expiredToken();
		expect(isExpiredJwt(expired)).toBe(true);
		const store = storeFor(fake, { accessToken: expired, currentAccessToken: '' });
		await getOrder.call(contextFor(store), orders[0].id as string);
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET ${ORDER_PATH}${orders[0].id}`,
			'POST /partners/api/v2/refresh-token',
			`GET ${ORDER_PATH}${orders[0].id}`,
		]);
	});

	it('on the very first use an expired token is copied, then refreshed on its 401 (no refresh before)', async () => {
		const store = storeFor(fake);
		fake.expireAccessToken();
		await getOrder.call(contextFor(store), orders[0].id as string);
		expect(fake.refreshCalls).toBe(1);
		expect(store.writes).toBe(2); // the copy, then the refreshed token
	});

	it('concurrent 401s in one process share one refresh', async () => {
		const store = storeFor(fake);
		await getOrder.call(contextFor(store), orders[0].id as string);
		fake.expireAccessToken();
		fake.reset();

		const results = await Promise.all(
			orders.map((order) => getOrder.call(contextFor(store), order.id as string)),
		);
		expect(results.map((o) => o.id)).toEqual(orders.map((o) => o.id));
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo('/partners/api/v2/refresh-token')).toHaveLength(1);
		expect(fake.requestsTo('/partners/api/v2/orders').length).toBe(1); // one shared probe
	});

	it('a caller still holding the replaced token gets the new one without a second refresh', async () => {
		const stale = storeFor(fake);
		const fresh = storeFor(fake);
		await getOrder.call(contextFor(stale), orders[0].id as string);
		await getOrder.call(contextFor(fresh), orders[0].id as string);
		fake.expireAccessToken();
		await getOrder.call(contextFor(fresh), orders[1].id as string);
		expect(fake.refreshCalls).toBe(1);
		// `stale` is another copy of the credential that still has the old token (e.g. an execution
		// that loaded it before the refresh was stored).
		await getOrder.call(contextFor(stale), orders[2].id as string);
		expect(fake.refreshCalls).toBe(1);
		expect(stale.stored.currentAccessToken).toBe(fake.accessToken);
	});

	/** Expires the token, then reads an order with the credential's data overridden. */
	async function afterExpiry(overrides: Record<string, string>) {
		const store = storeFor(fake, overrides);
		const token = fake.accessToken;
		fake.expireAccessToken();
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		return { store, token, error };
	}

	it('without an API secret: a clear error, no refresh', async () => {
		const { token, error } = await afterExpiry({ apiSecret: '' });
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toContain('The Transak access token has expired or is invalid');
		expect(error.message).toContain('Generate a new access token');
		expect(error.message).toContain('API secret');
		expect(error.httpCode).toBe('401');
		expect(fake.refreshCalls).toBe(0);
		expectNoSecrets(error, secretsOf(token));
	});

	it('a refresh Transak refuses: a clear error naming the API secret, never the secret itself', async () => {
		const { store, token, error } = await afterExpiry({ apiSecret: 'wrong-secret-value-123456' });
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toContain(
			'Transak refused to refresh the access token (HTTP 401: Invalid api secret)',
		);
		expect(error.message).toContain('API secret');
		expect(fake.refreshCalls).toBe(1);
		expectNoSecrets(error, ['wrong-secret-value-123456', token]);

		// The failure is remembered briefly: a second call does not hammer the refresh endpoint.
		await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(fake.refreshCalls).toBe(1);
	});

	it('a refresh that fails on Transak’s side: a clear error, secrets scrubbed from its message', async () => {
		const store = storeFor(fake);
		fake.expireAccessToken();
		fake.failRefresh(500, { message: `boom ${fake.apiSecret}` });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error.message).toBe(
			'Could not refresh the Transak access token (HTTP 500: boom [redacted]).',
		);
		expectNoSecrets(error, secretsOf());
	});

	it('never loops: a refreshed token that is refused again fails after one retry', async () => {
		const store = storeFor(fake);
		const token = fake.accessToken;
		fake.expireAccessToken();
		fake.failNext({ path: ORDER_PATH, status: 401, times: 100 });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error.message).toContain('Transak rejected the access token');
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo(ORDER_PATH)).toHaveLength(2);
		expectNoSecrets(error, secretsOf(token, fake.accessToken));
	});

	it('a 401 for a token Transak still accepts does not refresh', async () => {
		const store = storeFor(fake);
		await getOrder.call(contextFor(store), orders[0].id as string);
		fake.failNext({ path: ORDER_PATH, status: 401, times: 1 });
		await getOrder.call(contextFor(store), orders[1].id as string);
		expect(fake.refreshCalls).toBe(0);
		expect(store.writes).toBe(1);
	});

	it('after the user pastes a new access token, the old refreshed one is no longer sent', async () => {
		const store = storeFor(fake);
		await getOrder.call(contextFor(store), orders[0].id as string);
		fake.expireAccessToken();
		await getOrder.call(contextFor(store), orders[0].id as string);
		const refreshed = fake.accessToken;
		const pasted = fake.rotateAccessToken();
		store.update({ ...store.stored, accessToken: pasted }); // the user edits the credential
		fake.reset();
		await getOrder.call(contextFor(store), orders[1].id as string);
		expect(fake.requests[0].accessToken).toBe(pasted);
		expect(fake.requests[0].accessToken).not.toBe(refreshed);
		expect(fake.refreshCalls).toBe(0);
	});

	it('tokens and the API secret never reach an error, whatever failed', async () => {
		const store = storeFor(fake);
		const first = fake.accessToken;
		const scenarios: Array<() => void> = [
			() => fake.failNext({ path: ORDER_PATH, status: 500, body: { message: first } }),
			() => fake.failNext({ path: ORDER_PATH, status: 400, body: `raw ${first}` }),
			() => fake.failNext({ path: ORDER_PATH, destroy: true }),
		];
		for (const arrange of scenarios) {
			arrange();
			const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
			expectNoSecrets(error, secretsOf(first));
		}
	});
});
