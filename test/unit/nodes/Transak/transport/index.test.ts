import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	collectPages,
	MAX_RETURN_ALL_ITEMS,
	getOrder,
	listOrders,
	listOrdersPage,
	listWebhooks,
	ordersQueryString,
	transakApiRequest,
} from '../../../../../nodes/Transak/transport';
import {
	credentialFingerprint,
	REPLACED_TOKEN_MESSAGE,
	refusalOf,
} from '../../../../../nodes/Transak/transport/token';
import { verificationKeys } from '../../../../../nodes/Transak/verification/keys';
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

	it('getOrder sends the order ID as one path segment, and refuses any other', async () => {
		const id = 'Order_1.2-3';
		fake.addOrder({ ...orders[0], id });
		await expect(getOrder.call(contextFor(storeFor(fake)), id)).resolves.toMatchObject({ id });
		expect(fake.requestsTo(`/partners/api/v2/order/${id}`)).toHaveLength(1);
		const sent = fake.requests.length;
		for (const bad of ['a/b?c d', '..', '.'])
			await expect(getOrder.call(contextFor(storeFor(fake)), bad)).rejects.toThrow(
				'The order ID is not a Transak order ID',
			);
		expect(fake.requests).toHaveLength(sent);
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

	it('listOrdersPage takes meta.totalCount only when it is a finite number', async () => {
		const ctx = contextFor(storeFor(fake));
		for (const totalCount of [null, true, '12', 'many', []]) {
			fake.failNext({
				path: '/partners/api/v2/orders',
				status: 200,
				body: { meta: { totalCount }, data: [orders[0]] },
			});
			const page = await listOrdersPage.call(ctx, { limit: 3 });
			expect(page.items).toHaveLength(1);
			expect(page).not.toHaveProperty('totalCount');
		}
	});

	it.each([
		['as documented, {data: [...]}', (list: unknown[]) => ({ data: list })],
		[
			'wrapped, {data: {webhooks: [...]}}',
			(list: unknown[]) => ({ data: { webhooks: list, other: [] } }),
		],
		['in the one list under data', (list: unknown[]) => ({ data: { items: list, count: 1 } })],
	])('listWebhooks reads deliveries %s', async (_label, shape) => {
		const delivery = { id: 'd-1', eventID: 'ORDER_COMPLETED', webhookData: {} };
		fake.failNext({ path: '/partners/api/v2/webhooks', status: 200, body: shape([delivery]) });
		const list = await listWebhooks.call(contextFor(storeFor(fake)), {});
		expect(list).toEqual([delivery]);
	});

	it('listWebhooks does not guess between several lists under data', async () => {
		fake.failNext({
			path: '/partners/api/v2/webhooks',
			status: 200,
			body: { data: { failed: [{ id: 'a' }], sent: [{ id: 'b' }] } },
		});
		const error = await caught(listWebhooks.call(contextFor(storeFor(fake)), {}));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			'Unexpected answer from Transak: the webhooks response has no data list',
		);
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

	it('a login in the Custom base URL never reaches an error', async () => {
		const base = new URL(fake.url);
		const store = storeFor(fake, {
			baseUrl: `http://proxy-user:proxy-pass-0987654321@${base.host}`,
		});
		await fake.close();
		const error = await caught(getOrder.call(contextFor(store), 'x'));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.description).toContain('http://[redacted]@');
		expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(
			/proxy-pass-0987654321|proxy-user/,
		);
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

	/** A credential whose token is a JWT past its `exp` (the one Transak had issued last). */
	function expiredStore(overrides: Record<string, string> = {}) {
		const expired = fake.setAccessToken(fake.expiredToken());
		return { store: storeFor(fake, { accessToken: expired, ...overrides }), expired };
	}

	it('an expired token: 401 -> one refresh -> the call is retried with the new token, which is kept', async () => {
		const { store, expired } = expiredStore();
		expect(refusalOf(expired)).toBe('expired');

		const order = await getOrder.call(contextFor(store), orders[1].id as string);
		expect(order.id).toBe(orders[1].id);
		expect(fake.refreshCalls).toBe(1);
		const newToken = fake.accessToken;
		expect(newToken).not.toBe(expired);
		expect(store.stored.currentAccessToken).toBe(newToken);
		expect(store.stored.accessToken).toBe(expired); // the user's own field is untouched
		// 401, refresh, retry: no probe before refreshing.
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET ${ORDER_PATH}${orders[1].id}`,
			'POST /partners/api/v2/refresh-token',
			`GET ${ORDER_PATH}${orders[1].id}`,
		]);
		expect(fake.requests[2].accessToken).toBe(newToken);
		expect(fake.requests[1].apiSecret).toBe(fake.apiSecret);
		// The first use copied the token, then the refresh replaced it.
		expect(store.writes).toBe(2);

		// Later calls use the stored new token straight away.
		await getOrder.call(contextFor(store), orders[2].id as string);
		expect(fake.requests[3].accessToken).toBe(newToken);
		expect(fake.refreshCalls).toBe(1);
		// The user's token is no key of its own once replaced (a running trigger keeps it 15 minutes).
		expect(verificationKeys(store.decrypt() as never)).toEqual([newToken, fake.apiSecret]);
	});

	it('a token without exp that Transak refuses is refreshed (nothing says it was replaced)', async () => {
		const opaque = 'opaque-token-without-any-expiry';
		expect(refusalOf(opaque)).toBe('unknown');
		const store = storeFor(fake, { accessToken: opaque });
		await getOrder.call(contextFor(store), orders[0].id as string);
		expect(fake.refreshCalls).toBe(1);
		expect(store.stored.currentAccessToken).toBe(fake.accessToken);
	});

	it('concurrent 401s in one process share one refresh', async () => {
		const { store } = expiredStore();
		const results = await Promise.all(
			orders.map((order) => getOrder.call(contextFor(store), order.id as string)),
		);
		expect(results.map((o) => o.id)).toEqual(orders.map((o) => o.id));
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo('/partners/api/v2/refresh-token')).toHaveLength(1);
		expect(fake.requestsTo('/partners/api/v2/orders')).toHaveLength(0); // no probe
	});

	it('a caller still holding the expired token gets the new one without a second refresh', async () => {
		const { store: fresh, expired } = expiredStore();
		const stale = storeFor(fake, { accessToken: expired });
		await getOrder.call(contextFor(fresh), orders[1].id as string);
		expect(fake.refreshCalls).toBe(1);
		// `stale` is another copy of the credential that still has the old token (e.g. an execution
		// that loaded it before the refresh was stored).
		await getOrder.call(contextFor(stale), orders[2].id as string);
		expect(fake.refreshCalls).toBe(1);
		expect(stale.stored.currentAccessToken).toBe(fake.accessToken);
	});

	it('a token refused before its exp was replaced elsewhere: no refresh, no probe, a clear error', async () => {
		const store = storeFor(fake);
		const ours = fake.accessToken;
		await getOrder.call(contextFor(store), orders[0].id as string);
		const theirs = fake.rotateAccessToken(); // another system refreshed with the same API key
		expect(refusalOf(ours)).toBe('replaced');
		fake.reset();

		const error = await caught(getOrder.call(contextFor(store), orders[1].id as string));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.httpCode).toBe('401');
		expect(error.message).toBe(REPLACED_TOKEN_MESSAGE);
		expect(error.message).toContain('replaced, probably refreshed by another system');
		expect(error.message).toContain('Paste the current access token');
		expect(error.description).toContain('only one system should refresh it');
		expect(fake.refreshCalls).toBe(0);
		// The refused call only: no probe, no refresh, no retry with the same token.
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET ${ORDER_PATH}${orders[1].id}`,
		]);
		expect(store.stored.currentAccessToken).toBe(ours);
		expectNoSecrets(error, secretsOf(ours, theirs));
	});

	it('a replaced token, and another n8n process stored a newer one meanwhile: retried with it', async () => {
		const store = storeFor(fake);
		await getOrder.call(contextFor(store), orders[0].id as string);
		// The refused request is slow: meanwhile a worker refreshes and stores the new token.
		fake.failNext({ path: ORDER_PATH, status: 401, delayMs: 300 });
		const call = getOrder.call(contextFor(store), orders[1].id as string);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const stored = fake.rotateAccessToken();
		store.update({ ...store.stored, currentAccessToken: stored });
		expect((await call).id).toBe(orders[1].id);
		expect(fake.refreshCalls).toBe(0);
		expect(fake.requestsTo(ORDER_PATH).map((r) => r.accessToken)).toEqual([
			expect.any(String),
			expect.any(String),
			stored,
		]);
	});

	it('without an API secret: a clear error, no refresh', async () => {
		const { store, expired } = expiredStore({ apiSecret: '' });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toContain('The Transak access token has expired or is invalid');
		expect(error.message).toContain('Generate a new access token');
		expect(error.message).toContain('API secret');
		expect(error.httpCode).toBe('401');
		expect(fake.refreshCalls).toBe(0);
		expectNoSecrets(error, secretsOf(expired));
	});

	it('a refresh Transak refuses: a clear error naming the API secret, never the secret itself', async () => {
		const { store, expired } = expiredStore({ apiSecret: 'wrong-secret-value-123456' });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toContain(
			'Transak refused to refresh the access token (HTTP 401: Invalid api secret)',
		);
		expect(error.message).toContain('API secret');
		expect(fake.refreshCalls).toBe(1);
		expectNoSecrets(error, ['wrong-secret-value-123456', expired]);

		// The failure is remembered briefly: a second call does not hammer the refresh endpoint.
		await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(fake.refreshCalls).toBe(1);
	});

	it('a refresh that fails on Transak’s side: a clear error, secrets scrubbed from its message', async () => {
		const { store } = expiredStore();
		fake.failRefresh(500, { message: `boom ${fake.apiSecret}` });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error.message).toBe(
			'Could not refresh the Transak access token (HTTP 500: boom [redacted]).',
		);
		expectNoSecrets(error, secretsOf());
	});

	it("a refresh cut off by the network: the package's message, naming the failure", async () => {
		const { store } = expiredStore();
		fake.failNext({ path: '/partners/api/v2/refresh-token', destroy: true });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch('Could not refresh the Transak access token (connection reset).');
		expect(error.description).toContain('got no answer from');
		expect(error.description).toContain('(ECONNRESET)');
		expectNoSecrets(error, secretsOf());
	});

	it('a failed refresh that hands out a token and echoes it: the token is masked in the error', async () => {
		const { store } = expiredStore();
		const issued = `issued-${Math.random().toString(36).slice(2)}-token-value`;
		fake.failRefresh(502, { message: `upstream kept ${issued}`, data: { accessToken: issued } });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error.message).toBe(
			'Could not refresh the Transak access token (HTTP 502: upstream kept [redacted]).',
		);
		expectNoSecrets(error, secretsOf(issued));
	});

	it('never loops: a refreshed token that is refused again fails after one retry', async () => {
		const { store, expired } = expiredStore();
		fake.failNext({ path: ORDER_PATH, status: 401, times: 100 });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		expect(error.message).toContain('Transak rejected the access token');
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo(ORDER_PATH)).toHaveLength(2);
		expectNoSecrets(error, secretsOf(expired, fake.accessToken));
	});

	it('the call that refreshed the token masks the new token in its error', async () => {
		const { store, expired } = expiredStore();
		// The retry (with the new token) fails with an answer that echoes the token it was sent.
		fake.failNext({ path: ORDER_PATH, status: 500, authorized: true, echoToken: true });
		const error = await caught(getOrder.call(contextFor(store), orders[0].id as string));
		const refreshed = fake.accessToken;
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo(ORDER_PATH)[1].accessToken).toBe(refreshed);
		expect(error.message).toBe('Injected failure for access-token [redacted]');
		expectNoSecrets(error, secretsOf(expired, refreshed));
	});

	it('after the user pastes a new access token, the old refreshed one is no longer sent', async () => {
		const { store } = expiredStore();
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

describe('refusalOf', () => {
	const token = (claims: object) =>
		`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
	const now = 1_900_000_000_000;
	const exp = (secondsFromNow: number) => token({ exp: now / 1000 + secondsFromNow });

	it('tells an expired token (exp passed, or within a minute) from a replaced one', () => {
		expect(refusalOf(exp(-1), now)).toBe('expired');
		expect(refusalOf(exp(30), now)).toBe('expired');
		expect(refusalOf(exp(120), now)).toBe('replaced');
		expect(refusalOf(exp(7 * 86_400), now)).toBe('replaced');
	});

	it('cannot tell without a JWT exp', () => {
		expect(refusalOf(token({}), now)).toBe('unknown');
		expect(refusalOf(token({ exp: 'soon' }), now)).toBe('unknown');
		expect(refusalOf('not-a-jwt', now)).toBe('unknown');
		expect(refusalOf('a.!!!.c', now)).toBe('unknown');
	});
});

describe('Return All against an API that never stops paging', () => {
	it('stops at the bound with an error that names it; a Limit is never affected', async () => {
		let requests = 0;
		const endless = async (skip: number, limit: number) => {
			requests += 1;
			return { items: Array.from({ length: limit }, (_, i) => ({ id: `o-${skip + i}` })) };
		};
		await expect(collectPages(endless, (o) => o.id as string)).rejects.toThrow(
			`Return All stopped at ${MAX_RETURN_ALL_ITEMS} results`,
		);
		expect(requests).toBe(MAX_RETURN_ALL_ITEMS / 100);
		expect(await collectPages(endless, (o) => o.id as string, { wanted: 250 })).toHaveLength(250);
	});
});
