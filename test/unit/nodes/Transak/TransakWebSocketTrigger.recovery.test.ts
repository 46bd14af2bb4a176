/**
 * No silent loss: after a reconnect the WebSocket trigger asks the (fake) Transak partner API for
 * the status changes it missed, emits each once marked `recovered: true`, and never emits an
 * (orderId, status) twice. Real pusher-js, the Pusher-protocol test server, the official SDK, the
 * shared fake Transak API over real HTTP and n8n's request helpers as test/unit/support/n8n.ts models them.
 */
import {
	ACCESS_TOKEN,
	API_KEY,
	API_SECRET,
	PREVIOUS_TOKEN,
	changeStatus,
	credentialsFor,
	newOrder,
	shortRecoveryInterval,
	triggerSuite,
	type Harness,
} from '../../support/pusher';
import { sleep, until } from '../../support/wait';

const suite = triggerSuite({ api: true });
const MIN_INTERVAL_MS = shortRecoveryInterval();

/** A later recovery of the same trigger waits for the minimum interval after the previous one. */
const SECOND_RECOVERY = MIN_INTERVAL_MS + 5000;

const { start } = suite;

function summary(harness: Harness): string[] {
	return harness.emitted.map(
		(i) => `${String(i.orderId)} ${String(i.status)}${i.recovered === true ? ' recovered' : ''}`,
	);
}

it('all orders: a server outage, then the missed changes from the API, once each, marked recovered', async () => {
	const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
	const a = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const b = suite.api.addOrder(newOrder({ status: 'PROCESSING' }));
	// Changed long before the outage: not missed, never emitted.
	const old = suite.api.addOrder(
		newOrder({ status: 'COMPLETED', createdAt: minutesAgo(30), updatedAt: minutesAgo(30) }),
	);
	// Created two days ago, completed during the outage: only the webhook history has it.
	const stale = suite.api.addOrder(
		newOrder({
			status: 'PENDING_DELIVERY_FROM_TRANSAK',
			createdAt: minutesAgo(2 * 24 * 60),
			updatedAt: minutesAgo(2 * 24 * 60),
		}),
	);

	const harness = await start({ channel: 'allOrders' });
	await suite.publishSigned('ORDER_CREATED', a);
	await until(() => harness.emitted.length === 1);

	// Outage: the server goes away; meanwhile Transak moves orders on.
	await suite.server.stop();
	changeStatus(suite.api, a.id, 'ORDER_PROCESSING', 'PROCESSING');
	await sleep(20);
	changeStatus(suite.api, a.id, 'ORDER_COMPLETED', 'COMPLETED');
	changeStatus(suite.api, b.id, 'ORDER_FAILED', 'CANCELLED');
	changeStatus(suite.api, stale.id, 'ORDER_COMPLETED', 'COMPLETED');
	await sleep(300);
	const resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 8000);
	await suite.server.start();
	// Published while the trigger is not yet back: nobody receives it.
	await suite.publishSigned(
		'ORDER_REFUNDED',
		changeStatus(suite.api, b.id, 'ORDER_REFUNDED', 'REFUNDED'),
	);
	await resubscribed;

	await until(() => harness.emitted.length >= 6, 5000, 'recovered events');
	await sleep(200);
	expect(summary(harness).sort()).toEqual(
		[
			`${a.id} AWAITING_PAYMENT_FROM_USER`,
			`${a.id} PROCESSING recovered`,
			`${a.id} COMPLETED recovered`,
			`${b.id} CANCELLED recovered`,
			`${b.id} REFUNDED recovered`,
			`${stale.id} COMPLETED recovered`,
		].sort(),
	);
	// Oldest first: a's intermediate status before its final one.
	const forA = harness.emitted.filter((i) => i.orderId === a.id).map((i) => i.status);
	expect(forA).toEqual(['AWAITING_PAYMENT_FROM_USER', 'PROCESSING', 'COMPLETED']);
	const recovered = harness.emitted.find((i) => i.orderId === b.id && i.status === 'CANCELLED')!;
	expect(recovered).toMatchObject({
		eventID: 'ORDER_FAILED',
		orderId: b.id,
		recovered: true,
		walletAddress: b.walletAddress,
	});
	expect(harness.emitted.some((i) => i.orderId === old.id)).toBe(false);
	expect(suite.api.requestsTo('/partners/api/v2/orders').length).toBeGreaterThan(0);
	expect(suite.api.requestsTo('/partners/api/v2/webhooks').length).toBeGreaterThan(0);

	// The same (orderId, status) arriving live now is not emitted again; a new status is.
	await suite.publishSigned('ORDER_COMPLETED', { ...a, status: 'COMPLETED' });
	await suite.publishSigned('ORDER_REFUNDED', { ...a, status: 'REFUNDED' });
	await until(() => harness.emitted.length === 7);
	expect(harness.emitted[6]).toMatchObject({ orderId: a.id, status: 'REFUNDED' });
	expect(harness.emitted[6].recovered).toBeUndefined();

	// Another drop with nothing new: the API is asked again (at most one recovery every 5 s),
	// nothing is emitted twice.
	const before = suite.api.requestsTo('/partners/api/v2/orders').length;
	const again = suite.server.next('subscribe', (e) => e.channel === API_KEY);
	suite.server.terminateAll();
	await again;
	await until(
		() => suite.api.requestsTo('/partners/api/v2/orders').length > before,
		SECOND_RECOVERY,
	);
	await sleep(200);
	expect(harness.emitted).toHaveLength(7);
	expect(harness.errors).toEqual([]);
	expect(JSON.stringify(harness.logs)).not.toContain(ACCESS_TOKEN);
});

it('one order by ID: the order is fetched after a reconnect', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'PAYMENT_DONE_MARKED_BY_USER' }));
	const harness = await start({ channel: 'orderId', orderId: order.id });
	await suite.sdk.trigger(order.id, 'ORDER_PAYMENT_VERIFYING', order);
	await until(() => harness.emitted.length === 1);

	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
	const resubscribed = suite.server.next('subscribe', (e) => e.channel === order.id);
	suite.server.terminateAll();
	await resubscribed;
	await until(() => harness.emitted.length === 2);
	expect(harness.emitted[1]).toMatchObject({
		eventID: 'ORDER_COMPLETED',
		status: 'COMPLETED',
		orderId: order.id,
		recovered: true,
	});
	expect(suite.api.requestsTo(`/partners/api/v2/order/${order.id}`)).toHaveLength(1);
	expect(suite.api.requestsTo(`/partners/api/v2/order/${order.id}`)[0].accessToken).toBe(
		ACCESS_TOKEN,
	);
});

it('one order by partner order ID: the orders list is filtered by partnerOrderId', async () => {
	const order = suite.api.addOrder(
		newOrder({ status: 'PROCESSING', partnerOrderId: 'ref-recover-1' }),
	);
	suite.api.addOrder(newOrder({ status: 'PROCESSING', partnerOrderId: 'someone-else' }));
	const harness = await start({ channel: 'partnerOrderId', partnerOrderId: 'ref-recover-1' });
	const channel = `${API_KEY}_ref-recover-1`;

	changeStatus(suite.api, order.id, 'ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK');
	const resubscribed = suite.server.next('subscribe', (e) => e.channel === channel);
	suite.server.closeAll(4200, 'Reconnect');
	await resubscribed;
	await until(() => harness.emitted.length === 1);
	await sleep(100);
	expect(summary(harness)).toEqual([`${order.id} PENDING_DELIVERY_FROM_TRANSAK recovered`]);
	const query = suite.api.requestsTo('/partners/api/v2/orders')[0].query;
	expect(query['filter[partnerOrderId]']).toBe('ref-recover-1');
});

it('recovered events honour the events filter', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const harness = await start({ channel: 'orderId', orderId: order.id, events: ['ORDER_EXPIRED'] });
	changeStatus(suite.api, order.id, 'ORDER_PROCESSING', 'PROCESSING');
	let resubscribed = suite.server.next('subscribe');
	suite.server.terminateAll();
	await resubscribed;
	await until(() => suite.api.requestsTo('/partners/api/v2/order/').length === 1);
	await sleep(100);
	expect(harness.emitted).toEqual([]);

	// EXPIRED is announced as ORDER_FAILED, or as ORDER_EXPIRED, the only event selected here.
	changeStatus(suite.api, order.id, 'ORDER_FAILED', 'EXPIRED');
	resubscribed = suite.server.next('subscribe');
	suite.server.closeAll(4200);
	await resubscribed;
	await until(() => harness.emitted.length === 1, SECOND_RECOVERY);
	expect(harness.emitted[0]).toMatchObject({
		eventID: 'ORDER_EXPIRED',
		status: 'EXPIRED',
		recovered: true,
	});
});

it('an API failure is logged once, without secrets, and the gap is recovered after a later reconnect', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const harness = await start({ channel: 'orderId', orderId: order.id });
	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');

	suite.api.failNext({ path: '/partners/api/v2/order/', status: 500, times: 2 });
	for (let i = 0; i < 2; i += 1) {
		const resubscribed = suite.server.next('subscribe');
		suite.server.closeAll(4200);
		await resubscribed;
		await until(
			() => suite.api.requestsTo('/partners/api/v2/order/').length === i + 1,
			SECOND_RECOVERY,
		);
	}
	await sleep(100);
	expect(harness.emitted).toEqual([]);
	const warnings = harness.logs.filter(
		(l) => l.level === 'warn' && /could not recover/.test(l.message),
	);
	expect(warnings).toHaveLength(1);

	const resubscribed = suite.server.next('subscribe');
	suite.server.closeAll(4200);
	await resubscribed;
	await until(() => harness.emitted.length === 1, SECOND_RECOVERY);
	expect(harness.emitted[0]).toMatchObject({ status: 'COMPLETED', recovered: true });
	const text = JSON.stringify(harness.logs);
	for (const secret of [ACCESS_TOKEN, API_SECRET, PREVIOUS_TOKEN])
		expect(text).not.toContain(secret);
	expect(harness.errors).toEqual([]);
});

it('a rejected access token: the credential refreshes it with the API secret and recovery goes on', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const harness = await start({ channel: 'orderId', orderId: order.id });
	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
	suite.api.expireAccessToken();
	const resubscribed = suite.server.next('subscribe');
	suite.server.terminateAll();
	await resubscribed;
	await until(() => harness.emitted.length === 1, 5000);
	expect(suite.api.refreshCalls).toBe(1);
	expect(harness.emitted[0]).toMatchObject({ status: 'COMPLETED', recovered: true });
});

it('without a usable API base URL it says so once and keeps streaming', async () => {
	const harness = await start({
		channel: 'orderId',
		orderId: 'order-no-api',
		credentials: credentialsFor(''),
	});
	const notices = () => harness.logs.filter((l) => /cannot be recovered/.test(l.message));
	expect(notices()).toHaveLength(1);
	for (let i = 0; i < 2; i += 1) {
		const resubscribed = suite.server.next('subscribe');
		suite.server.closeAll(4200);
		await resubscribed;
	}
	await suite.sdk.trigger('order-no-api', 'ORDER_CREATED', newOrder({ id: 'order-no-api' }));
	await until(() => harness.emitted.length === 1);
	expect(notices()).toHaveLength(1);
	expect(suite.api.requests).toHaveLength(0);
});

it('recovery can be turned off', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const harness = await start({
		channel: 'orderId',
		orderId: order.id,
		options: { recoverMissed: false },
	});
	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
	const resubscribed = suite.server.next('subscribe');
	suite.server.terminateAll();
	await resubscribed;
	await sleep(300);
	expect(suite.api.requests).toHaveLength(0);
	expect(harness.emitted).toEqual([]);
});

it('deactivation during a recovery emits nothing afterwards', async () => {
	const order = suite.api.addOrder(newOrder({ status: 'AWAITING_PAYMENT_FROM_USER' }));
	const harness = await start({ channel: 'orderId', orderId: order.id });
	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
	suite.api.setLatency(300);
	const resubscribed = suite.server.next('subscribe');
	suite.server.terminateAll();
	await resubscribed;
	await until(() => suite.api.requests.length > 0 || harness.emitted.length > 0, 2000).catch(
		() => undefined,
	);
	await harness.close();
	await sleep(500);
	suite.api.setLatency(0);
	expect(harness.emitted).toEqual([]);
});

it('deactivation cancels a recovery in flight: no further partner API call', async () => {
	// Enough orders for several pages of recovery on the all-orders channel.
	for (let i = 0; i < 250; i++) suite.api.addOrder(newOrder({ status: 'PROCESSING' }));
	const harness = await start({ channel: 'allOrders' });
	await suite.server.waitForSubscribers(API_KEY, 1);
	suite.api.setLatency(400);
	const before = suite.api.requests.length;
	const resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY);
	suite.server.terminateAll();
	await resubscribed;
	await until(() => suite.api.requests.length > before, 3000, 'the first recovery call');
	await harness.close();
	// A call already on its way may still arrive; none may start after it.
	await sleep(50);
	const atClose = suite.api.requests.length;
	await sleep(2000);
	suite.api.setLatency(0);
	// Calls, not attempts: a call refused for its token is retried once by n8n, below the trigger.
	const calls = (requests: typeof suite.api.requests) =>
		new Set(requests.map((r) => `${r.path} ${JSON.stringify(r.query)}`)).size;
	expect(calls(suite.api.requests)).toBe(calls(suite.api.requests.slice(0, atClose)));
	expect(harness.emitted).toEqual([]);
	expect(harness.logs.filter((l) => l.level === 'warn')).toEqual([]);
});

it('Personal Data applies to recovered events too', async () => {
	const order = suite.api.addOrder(
		newOrder({
			status: 'AWAITING_PAYMENT_FROM_USER',
			walletAddress: '0x9999888877776666555544443333222211110000',
		}),
	);
	const harness = await start({ channel: 'allOrders', parameters: { personalData: 'remove' } });
	await suite.publishSigned('ORDER_CREATED', order);
	await until(() => harness.emitted.length === 1);

	await suite.server.stop();
	changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
	const resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 8000);
	await suite.server.start();
	await resubscribed;

	await until(() => harness.emitted.length >= 2, 5000, 'the recovered event');
	const recovered = harness.emitted.find((i) => i.recovered === true)!;
	expect(recovered).toMatchObject({ orderId: order.id, status: 'COMPLETED' });
	for (const item of harness.emitted) {
		expect(JSON.stringify(item)).not.toContain('0x9999888877776666555544443333222211110000');
		expect(item).not.toHaveProperty('ipAddress');
	}
});
