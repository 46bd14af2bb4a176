/**
 * The Transak WebSocket Trigger with real pusher-js against the Pusher-protocol test server,
 * events published with the official `pusher` SDK: channel modes, payload forms, verification,
 * the events filter, de-duplication and manual mode.
 */
import { NodeOperationError } from 'n8n-workflow';

import { TRANSAK_PUSHER } from '../../../../nodes/Transak/pusher/endpoint';
import { TransakWebSocketTrigger } from '../../../../nodes/Transak/TransakWebSocketTrigger.node';

import {
	ACCESS_TOKEN,
	API_KEY,
	PREVIOUS_TOKEN,
	activate,
	credentialsFor,
	fixtures,
	newOrder,
	signedOrder,
	triggerSuite,
	type Harness,
} from '../../support/pusher';
import { sleep, until } from '../../support/wait';

const suite = triggerSuite();

const { start } = suite;

/** Publishes a marker order afterwards and waits for it: everything published before has been seen. */
async function flush(
	harness: Harness,
	channel: string,
	data: (order: ReturnType<typeof newOrder>) => unknown,
	markerId?: string,
): Promise<void> {
	const marker = newOrder({ status: 'COMPLETED', ...(markerId ? { id: markerId } : {}) });
	await suite.sdk.trigger(channel, 'ORDER_COMPLETED', data(marker));
	await until(
		() => harness.emitted.some((item) => item.orderId === marker.id && item.status === 'COMPLETED'),
		5000,
		'the marker event',
	);
}

describe('channel modes', () => {
	it('orderId: subscribes to <orderId> and emits the order with eventID, status and orderId on top', async () => {
		const order = newOrder();
		const harness = await start({ channel: 'orderId', orderId: String(order.id) });
		expect(suite.server.subscribers(String(order.id))).toHaveLength(1);

		await suite.sdk.trigger(String(order.id), 'ORDER_CREATED', order);
		await until(() => harness.emitted.length === 1);

		const item = harness.emitted[0];
		expect(item).toMatchObject({
			eventID: 'ORDER_CREATED',
			status: 'AWAITING_PAYMENT_FROM_USER',
			orderId: order.id,
		});
		// The complete order object, spread at top level.
		for (const [key, value] of Object.entries(order)) expect(item[key]).toEqual(value);
		expect(item.recovered).toBeUndefined();
		expect(harness.errors).toEqual([]);
	});

	it('partnerOrderId: subscribes to <apiKey>_<partnerOrderId>', async () => {
		const order = newOrder({ partnerOrderId: 'my-ref-77', status: 'PROCESSING' });
		const harness = await start({ channel: 'partnerOrderId', partnerOrderId: 'my-ref-77' });
		const channel = `${API_KEY}_my-ref-77`;
		expect(suite.server.subscribers(channel)).toHaveLength(1);

		await suite.sdk.trigger(channel, 'ORDER_PROCESSING', order);
		await until(() => harness.emitted.length === 1);
		expect(harness.emitted[0]).toMatchObject({
			eventID: 'ORDER_PROCESSING',
			status: 'PROCESSING',
			orderId: order.id,
			partnerOrderId: 'my-ref-77',
		});
	});

	it('allOrders: subscribes to <apiKey> and emits JWTs signed with the access token (or the previous one)', async () => {
		const harness = await start({ channel: 'allOrders' });
		expect(suite.server.subscribers(API_KEY)).toHaveLength(1);

		const a = newOrder({ status: 'COMPLETED' });
		const b = newOrder({ status: 'PENDING_DELIVERY_FROM_TRANSAK' });
		await suite.publishSigned('ORDER_COMPLETED', a);
		await suite.publishSigned('ORDER_PROCESSING', b, PREVIOUS_TOKEN);
		await until(() => harness.emitted.length === 2);

		expect(harness.emitted[0]).toMatchObject({
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: a.id,
		});
		expect(harness.emitted[1]).toMatchObject({
			eventID: 'ORDER_PROCESSING',
			status: 'PENDING_DELIVERY_FROM_TRANSAK',
			orderId: b.id,
		});
		expect(harness.emitted[0].walletAddress).toBe(a.walletAddress);
	});

	it('allOrders: accepts the order object itself as claims, and the order ID as the event name', async () => {
		const harness = await start({ channel: 'allOrders' });
		const order = newOrder({ status: 'FAILED' });
		await suite.sdk.trigger(API_KEY, String(order.id), fixtures.sign(order, ACCESS_TOKEN));
		await until(() => harness.emitted.length === 1);
		expect(harness.emitted[0]).toMatchObject({
			eventID: 'ORDER_FAILED',
			status: 'FAILED',
			orderId: order.id,
		});
	});

	it('allOrders: forged, unsigned, expired and unsigned-object payloads emit nothing', async () => {
		const harness = await start({ channel: 'allOrders' });
		const order = newOrder({ status: 'COMPLETED' });
		const claims = fixtures.orderClaims('ORDER_COMPLETED', order);
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', fixtures.forge(claims));
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', fixtures.unsigned(claims));
		await suite.sdk.trigger(
			API_KEY,
			'ORDER_COMPLETED',
			fixtures.sign(claims, ACCESS_TOKEN, { expiresIn: -10 }),
		);
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', order); // a plain object is not trusted on this channel
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', 'not a token');
		await flush(harness, API_KEY, (marker) => signedOrder('ORDER_COMPLETED', marker));

		expect(harness.emitted).toHaveLength(1);
		expect(harness.emitted[0].orderId).not.toBe(order.id);
		expect(harness.errors).toEqual([]);
		// The first rejection is a warning; a signature no key matches is left to the rotation watch.
		expect(harness.logs.filter((l) => l.level === 'warn')).toEqual([
			expect.objectContaining({
				message: expect.stringMatching(/dropped event "ORDER_COMPLETED"/),
			}),
		]);
		expect(harness.logs.some((l) => /invalid signature/.test(l.message))).toBe(true);
	});
});

describe('payload forms', () => {
	it('accepts event data as an object, as JSON text, and as JSON encoded twice', async () => {
		const orderId = 'order-forms-1';
		const harness = await start({ channel: 'orderId', orderId });
		const base = newOrder({ id: orderId });
		await suite.sdk.trigger(orderId, 'ORDER_CREATED', {
			...base,
			status: 'AWAITING_PAYMENT_FROM_USER',
		});
		// The SDK sends strings as they are: pusher-js parses this one once.
		await suite.sdk.trigger(
			orderId,
			'ORDER_PAYMENT_VERIFYING',
			JSON.stringify({ ...base, status: 'PAYMENT_DONE_MARKED_BY_USER' }),
		);
		// Encoded twice: pusher-js hands over a string, which the trigger parses.
		await suite.sdk.trigger(
			orderId,
			'ORDER_PROCESSING',
			JSON.stringify(JSON.stringify({ ...base, status: 'PROCESSING' })),
		);
		// The webhook wrapper {webhookData, eventID}.
		await suite.sdk.trigger(orderId, 'ORDER_COMPLETED', {
			webhookData: { ...base, status: 'COMPLETED' },
			eventID: 'ORDER_COMPLETED',
		});
		await until(() => harness.emitted.length === 4);

		expect(harness.emitted.map((i) => [i.eventID, i.status, i.orderId])).toEqual([
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER', orderId],
			['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER', orderId],
			['ORDER_PROCESSING', 'PROCESSING', orderId],
			['ORDER_COMPLETED', 'COMPLETED', orderId],
		]);
		expect(harness.emitted[1].fiatCurrency).toBe(base.fiatCurrency);
	});

	it('ignores unreadable data, orders without an id, and pusher:* / pusher_internal:* events', async () => {
		const orderId = 'order-junk-1';
		const harness = await start({ channel: 'orderId', orderId });
		await suite.sdk.trigger(orderId, 'ORDER_CREATED', 'plain text');
		await suite.sdk.trigger(orderId, 'ORDER_CREATED', [1, 2, 3]);
		await suite.sdk.trigger(orderId, 'ORDER_CREATED', { status: 'COMPLETED' });
		suite.server.publish(orderId, 'pusher:custom', newOrder({ id: orderId }));
		suite.server.publish(orderId, 'pusher_internal:member_added', newOrder({ id: orderId }));
		await flush(harness, orderId, (marker) => marker, orderId);
		expect(harness.emitted).toHaveLength(1);
		expect(harness.emitted[0]).toMatchObject({ eventID: 'ORDER_COMPLETED', orderId });
	});

	it('strips prototype-polluting keys from emitted items', async () => {
		const orderId = 'order-proto-1';
		const harness = await start({ channel: 'orderId', orderId });
		const json = `{"id":"${orderId}","status":"COMPLETED","__proto__":{"polluted":true},"nested":{"constructor":{"x":1},"ok":1}}`;
		await suite.sdk.trigger(orderId, 'ORDER_COMPLETED', json);
		await until(() => harness.emitted.length === 1);
		const item = harness.emitted[0];
		expect(Object.prototype.hasOwnProperty.call(item, '__proto__')).toBe(false);
		expect(item.nested).toEqual({ ok: 1 });
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('filtering and de-duplication', () => {
	it('emits only the selected events; an empty selection emits all', async () => {
		const filtered = await start({
			channel: 'allOrders',
			events: ['ORDER_COMPLETED', 'ORDER_FAILED'],
		});
		const all = await start({ channel: 'allOrders' });
		// One connection and one subscription for both (same API key, same endpoint).
		await suite.server.waitForSubscribers(API_KEY, 1);
		expect(suite.server.connections()).toHaveLength(1);

		const order = newOrder();
		const steps: Array<[string, string]> = [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_PROCESSING', 'PROCESSING'],
			['ORDER_COMPLETED', 'COMPLETED'],
		];
		for (const [eventID, status] of steps) {
			await suite.sdk.trigger(API_KEY, eventID, signedOrder(eventID, { ...order, status }));
		}
		await until(() => all.emitted.length === 3);
		await sleep(50);
		expect(all.emitted.map((i) => i.eventID)).toEqual([
			'ORDER_CREATED',
			'ORDER_PROCESSING',
			'ORDER_COMPLETED',
		]);
		expect(filtered.emitted.map((i) => i.eventID)).toEqual(['ORDER_COMPLETED']);
	});

	it('never emits the same (orderId, status) twice', async () => {
		const harness = await start({ channel: 'allOrders' });
		const order = newOrder({ status: 'COMPLETED' });
		for (let i = 0; i < 3; i += 1) {
			await suite.publishSigned('ORDER_COMPLETED', order);
		}
		// Same order, another status: a new event.
		await suite.publishSigned('ORDER_REFUNDED', { ...order, status: 'REFUNDED' });
		await until(() => harness.emitted.length === 2);
		await flush(harness, API_KEY, (marker) => signedOrder('ORDER_COMPLETED', marker));
		expect(harness.emitted.filter((i) => i.orderId === order.id).map((i) => i.status)).toEqual([
			'COMPLETED',
			'REFUNDED',
		]);
	});
});

describe('replays and recurrences', () => {
	const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

	it('an event whose order was last updated before the Maximum Delivery Age starts nothing', async () => {
		const harness = await start({ channel: 'allOrders' });
		const strict = await start({ channel: 'allOrders', options: { maxDeliveryAge: 1 } });
		const off = await start({ channel: 'allOrders', options: { maxDeliveryAge: 0 } });
		// One shared subscription for the three (same API key, same endpoint).
		await suite.server.waitForSubscribers(API_KEY, 1);
		const replayed = newOrder({
			status: 'COMPLETED',
			createdAt: hoursAgo(90),
			updatedAt: hoursAgo(80),
		});
		const twoHours = newOrder({
			status: 'COMPLETED',
			createdAt: hoursAgo(3),
			updatedAt: hoursAgo(2),
		});
		// Signed as Transak signs: the claims carry their own time too (that of the order's update).
		const signedAt = (order: typeof replayed) =>
			fixtures.sign(
				{ ...fixtures.orderClaims('ORDER_COMPLETED', order), createdAt: order.updatedAt },
				ACCESS_TOKEN,
			);
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', signedAt(replayed));
		await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', signedAt(twoHours));
		await flush(harness, API_KEY, (marker) => signedOrder('ORDER_COMPLETED', marker));
		await flush(strict, API_KEY, (marker) => signedOrder('ORDER_COMPLETED', marker));
		await until(() => off.emitted.length >= 2);
		const ids = (h: Harness) => h.emitted.map((i) => i.orderId);
		expect(ids(harness)).not.toContain(replayed.id);
		expect(ids(harness)).toContain(twoHours.id);
		expect(ids(strict)).not.toContain(twoHours.id);
		expect(ids(off)).toEqual(expect.arrayContaining([replayed.id, twoHours.id]));
		expect(harness.logs.some((l) => l.message.includes('Maximum Delivery Age'))).toBe(true);
	});

	it('a status reached again is emitted again; a copy of an occurrence is not', async () => {
		const harness = await start({ channel: 'allOrders' });
		const order = newOrder();
		const at = (status: string, minutes: number) => ({
			...order,
			status,
			updatedAt: new Date(Date.now() - minutes * 60_000).toISOString(),
		});
		const held = at('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', 3);
		const released = at('PENDING_DELIVERY_FROM_TRANSAK', 2);
		const heldAgain = at('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', 1);
		for (const event of [held, released, heldAgain, heldAgain, held])
			await suite.publishSigned('ORDER_PROCESSING', event);
		await flush(harness, API_KEY, (marker) => signedOrder('ORDER_COMPLETED', marker));
		expect(harness.emitted.filter((i) => i.orderId === order.id).map((i) => i.status)).toEqual([
			'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK',
			'PENDING_DELIVERY_FROM_TRANSAK',
			'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK',
		]);
		// n8n's own key tells the two occurrences apart too.
		const keys = harness.keys.filter((_, i) => harness.emitted[i]?.orderId === order.id);
		expect(new Set(keys).size).toBe(3);
	});
});

describe('manual mode', () => {
	it('resolves "listen for test event" on the first matching event and emits only that one', async () => {
		const harness = await start({
			channel: 'allOrders',
			events: ['ORDER_COMPLETED'],
			mode: 'manual',
		});
		let resolved = false;
		const waiting = harness.response.manualTriggerFunction!().then(() => {
			resolved = true;
		});
		const order = newOrder();
		await suite.publishSigned('ORDER_CREATED', order);
		await sleep(100);
		expect(resolved).toBe(false);

		await suite.publishSigned('ORDER_COMPLETED', { ...order, status: 'COMPLETED' });
		await waiting;
		expect(harness.emitted).toHaveLength(1);
		expect(harness.emitted[0]).toMatchObject({ eventID: 'ORDER_COMPLETED', orderId: order.id });

		await suite.publishSigned('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
		await sleep(100);
		expect(harness.emitted).toHaveLength(1);
	});

	it('calls emit at call time, so n8n can swap it after trigger() returns', async () => {
		const harness = await start({ channel: 'orderId', orderId: 'order-swap-1', mode: 'manual' });
		const swapped: unknown[] = [];
		(harness.context as unknown as { emit: (data: unknown) => void }).emit = (data) =>
			swapped.push(data);
		const waiting = harness.response.manualTriggerFunction!();
		await suite.sdk.trigger('order-swap-1', 'ORDER_CREATED', newOrder({ id: 'order-swap-1' }));
		await waiting;
		expect(swapped).toHaveLength(1);
		expect(harness.emitted).toHaveLength(0);
	});
});

describe('parameters and secrets', () => {
	it('refuses to activate without an order ID, a partner order ID, or a usable channel name', async () => {
		await expect(
			activate({ server: suite.server, channel: 'orderId', orderId: '  ' }, false),
		).rejects.toThrow(NodeOperationError);
		await expect(
			activate({ server: suite.server, channel: 'partnerOrderId', partnerOrderId: '' }, false),
		).rejects.toThrow(/Partner Order ID is empty/);
		await expect(
			activate({ server: suite.server, channel: 'orderId', orderId: 'has space' }, false),
		).rejects.toThrow(/not a valid Pusher channel name/);
		await expect(
			activate(
				{
					server: suite.server,
					channel: 'allOrders',
					credentials: credentialsFor('', { apiKey: '' }),
				},
				false,
			),
		).rejects.toThrow(/API Key of the credential is empty/);
		await expect(
			activate(
				{
					server: suite.server,
					channel: 'allOrders',
					credentials: credentialsFor('', {
						accessToken: '',
						previousAccessToken: '',
						apiSecret: '',
					}),
				},
				false,
			),
		).rejects.toThrow(/no access token/);
		expect(suite.server.connections()).toHaveLength(0);
	});

	it('never writes the access token into items or logs', async () => {
		const harness = await start({ channel: 'allOrders', options: { recoverMissed: true } });
		const order = newOrder({ status: 'COMPLETED' });
		await suite.sdk.trigger(
			API_KEY,
			'ORDER_COMPLETED',
			fixtures.forge(fixtures.orderClaims('ORDER_COMPLETED', order)),
		);
		await suite.publishSigned('ORDER_COMPLETED', order);
		await until(() => harness.emitted.length === 1);
		const text = JSON.stringify({ items: harness.emitted, logs: harness.logs });
		expect(text).not.toContain(ACCESS_TOKEN);
		expect(text).not.toContain(PREVIOUS_TOKEN);
	});
});

describe('node description (CONTRACT.md)', () => {
	it('keeps the public names and defaults', () => {
		const { description } = new TransakWebSocketTrigger();
		expect(description.name).toBe('transakWebSocketTrigger');
		expect(description.displayName).toBe('Transak WebSocket Trigger');
		expect(description.credentials).toEqual([{ name: 'transakApi', required: true }]);
		const byName = Object.fromEntries(description.properties.map((p) => [p.name, p]));
		expect(byName.channel.options!.map((o) => (o as { value: string }).value).sort()).toEqual([
			'allOrders',
			'orderId',
			'partnerOrderId',
		]);
		expect(byName.orderId.displayOptions).toEqual({ show: { channel: ['orderId'] } });
		expect(byName.partnerOrderId.displayOptions).toEqual({ show: { channel: ['partnerOrderId'] } });
		expect(byName.events.type).toBe('multiOptions');
		expect(byName.events.default).toEqual([]);
		expect(
			(byName.events.options as Array<{ value: string }>).every((o) =>
				o.value.startsWith('ORDER_'),
			),
		).toBe(true);
		const options = Object.fromEntries(
			(byName.options.options as Array<{ name: string; default: unknown }>).map((o) => [
				o.name,
				o.default,
			]),
		);
		expect(options).toMatchObject({
			appKey: TRANSAK_PUSHER.app,
			cluster: TRANSAK_PUSHER.cluster,
			wsHost: '',
			forceTLS: true,
		});
		expect(options).toHaveProperty('wsPort');
		expect(TRANSAK_PUSHER).toEqual({ app: '1d9ffac87de599c61283', cluster: 'ap2' });
	});
});

describe('Personal Data', () => {
	it('Remove emits the order without personal data; Pseudonymise keeps a stable pseudonym', async () => {
		const order = newOrder({ walletAddress: '0xaaaabbbbccccddddeeeeffff0000111122223333' });
		const removed = await start({
			channel: 'orderId',
			orderId: String(order.id),
			parameters: { personalData: 'remove' },
		});
		const pseudonymised = await start({
			channel: 'orderId',
			orderId: String(order.id),
			parameters: { personalData: 'pseudonymise' },
			workflowId: 'wf-pseudonyms',
		});
		await suite.sdk.trigger(String(order.id), 'ORDER_CREATED', order);
		await until(() => removed.emitted.length === 1 && pseudonymised.emitted.length === 1);

		expect(removed.emitted[0]).toMatchObject({ orderId: order.id, status: order.status });
		expect(removed.emitted[0]).not.toHaveProperty('walletAddress');
		expect(JSON.stringify(removed.emitted[0])).not.toContain(String(order.walletAddress));
		expect(pseudonymised.emitted[0].walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(JSON.stringify(pseudonymised.emitted[0])).not.toContain(String(order.walletAddress));
	});
});
