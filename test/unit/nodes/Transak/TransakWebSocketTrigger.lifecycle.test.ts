/**
 * Connection lifecycle of the Transak WebSocket Trigger with real pusher-js: drops and their
 * reconnects, refusals ending in one emitError, lost pongs, and deactivation leaving nothing behind.
 */
import {
	API_KEY,
	activate,
	newOrder,
	pusherGlobals,
	triggerSuite,
	type Harness,
} from '../../support/pusher';
import { sleep, until } from '../../support/wait';

const suite = triggerSuite({ defaults: { channel: 'allOrders' } });

const { start } = suite;

/** Publishes a fresh signed order and waits until the trigger emitted it. */
async function roundTrip(harness: Harness): Promise<void> {
	const order = newOrder({ status: 'COMPLETED' });
	await suite.publishSigned('ORDER_COMPLETED', order);
	await until(() => harness.emitted.some((i) => i.orderId === order.id), 5000, 'a round trip');
}

describe('transient drops reconnect and re-subscribe by themselves', () => {
	it.each([
		['an abrupt drop (no close frame)', () => suite.server.terminateAll()],
		['close code 4200 (reconnect now)', () => suite.server.closeAll(4200, 'Reconnect')],
		[
			'close code 4100 (over capacity, back off)',
			() => suite.server.closeAll(4100, 'Over capacity'),
		],
		['a normal close 1000', () => suite.server.closeAll(1000, 'Bye')],
	])('%s', async (_what, drop) => {
		const harness = await start();
		await roundTrip(harness);
		const [before] = suite.server.subscribers(API_KEY);

		const resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 8000);
		expect(drop()).toBe(1);
		await resubscribed;
		expect(suite.server.subscribers(API_KEY)).toHaveLength(1);
		expect(suite.server.subscribers(API_KEY)[0]).not.toBe(before);

		await roundTrip(harness);
		expect(harness.errors).toEqual([]);
		expect(suite.server.connections()).toHaveLength(1);
		expect(harness.logs.some((l) => /reconnect|back off/i.test(l.message))).toBe(true);
	});

	it("reconnects at once after an abrupt drop, but leaves a second drop within 10 s to pusher-js's delay", async () => {
		// How long each path takes is measured by bench/websocket.js; here: which path was taken.
		const harness = await start();
		const fast = () => harness.logs.filter((l) => /Reconnecting at once/.test(l.message)).length;
		const delayed = () =>
			harness.logs.filter((l) => /Reconnecting after pusher-js's 1 s delay/.test(l.message)).length;

		let resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY);
		suite.server.terminateAll();
		await resubscribed;
		expect([fast(), delayed()]).toEqual([1, 0]);
		await roundTrip(harness);

		resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 5000);
		suite.server.terminateAll();
		await resubscribed;
		expect([fast(), delayed()]).toEqual([1, 1]);
		await roundTrip(harness);

		// A server asking for a back-off (4100) is never rushed.
		resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 5000);
		suite.server.closeAll(4100, 'Over capacity');
		await resubscribed;
		expect(fast()).toBe(1);
		expect(harness.logs.some((l) => /asked to back off/.test(l.message))).toBe(true);
		expect(harness.errors).toEqual([]);
	});

	it('reconnects when pongs are lost', async () => {
		suite.server.setActivityTimeout(0.3);
		const harness = await start({ options: { pongTimeout: 0.3 } });
		await roundTrip(harness);
		// The client pings after 0.3 s idle; the server answers.
		await suite.server.next('ping');
		await sleep(400);
		expect(suite.server.connections()).toHaveLength(1);

		suite.server.setAnswerPings(false);
		const [before] = suite.server.subscribers(API_KEY);
		await suite.server.next(
			'subscribe',
			(e) => e.channel === API_KEY && e.socketId !== before,
			5000,
		);
		suite.server.setAnswerPings(true);
		await suite.server.waitForSubscribers(API_KEY, 1);
		await roundTrip(harness);
		expect(harness.errors).toEqual([]);
	});

	it('comes back after a server outage', async () => {
		const harness = await start();
		await suite.server.stop();
		await sleep(500);
		const resubscribed = suite.server.next('subscribe', (e) => e.channel === API_KEY, 8000);
		await suite.server.start();
		await resubscribed;
		await roundTrip(harness);
		expect(harness.errors).toEqual([]);
	});
});

describe('refusals end in exactly one emitError', () => {
	it('close code 4001 on a live connection: one error, no reconnect, nothing left open', async () => {
		const baseline = pusherGlobals();
		const harness = await start();
		suite.server.closeAll(4001, 'App key test-app-key not in this cluster');
		await until(() => harness.errors.length > 0);
		await sleep(1500); // pusher-js would have retried by now
		expect(harness.errors).toHaveLength(1);
		expect(harness.errors[0].message).toMatch(/refused the connection with code 4001/);
		expect(harness.errors[0].message).toMatch(/App Key and Cluster/);
		expect(suite.server.connections()).toHaveLength(0);
		expect(pusherGlobals()).toEqual(baseline);

		// n8n deactivates after emitError: closing again is harmless.
		await harness.close();
		await harness.close();
		expect(harness.errors).toHaveLength(1);
	});

	it('a refused first connection (4003 app disabled)', async () => {
		suite.server.refuseConnections({ code: 4003, message: 'Application is disabled' });
		const harness = await start({}, false);
		await until(() => harness.errors.length > 0);
		await sleep(300);
		expect(harness.errors).toHaveLength(1);
		expect(harness.errors[0].message).toMatch(/4003 \("Application is disabled"\)/);
		expect(suite.server.connections()).toHaveLength(0);
	});

	it('a wrong app key is refused with 4001', async () => {
		const harness = await start({ options: { appKey: 'not-the-key' } }, false);
		await until(() => harness.errors.length > 0);
		expect(harness.errors).toHaveLength(1);
		expect(harness.errors[0].message).toMatch(/4001/);
	});
});

describe('deactivation', () => {
	it('closes the socket and removes the Pusher.instances entry and network handlers', async () => {
		const baseline = pusherGlobals();
		const harness = await start();
		expect(pusherGlobals().instances).toBe(baseline.instances + 1);
		expect(pusherGlobals().online).toBe(baseline.online + 1);
		expect(suite.server.connections()).toHaveLength(1);

		await harness.close();
		await suite.server.waitForNoConnections(2000);
		expect(suite.server.subscriptionCount(API_KEY)).toBe(0);
		expect(pusherGlobals()).toEqual(baseline);

		// Nothing is emitted after deactivation, and nothing reconnects.
		await suite.publishSigned('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
		await sleep(1200);
		expect(harness.emitted).toHaveLength(0);
		expect(suite.server.connections()).toHaveLength(0);
		expect(harness.errors).toEqual([]);
	});

	it('during an outage, stops retrying', async () => {
		const baseline = pusherGlobals();
		const harness = await start();
		await suite.server.stop();
		await sleep(200);
		await harness.close();
		await suite.server.start();
		await sleep(2500); // longer than the first reconnect delays
		expect(suite.server.connections()).toHaveLength(0);
		expect(pusherGlobals()).toEqual(baseline);
		expect(harness.errors).toEqual([]);
	});

	it('many activations and deactivations leave nothing behind', async () => {
		const baseline = pusherGlobals();
		for (let i = 0; i < 20; i += 1) {
			const harness = await activate({
				server: suite.server,
				channel: 'orderId',
				orderId: `order-cycle-${i}`,
			});
			await harness.close();
		}
		await suite.server.waitForNoConnections(3000);
		expect(pusherGlobals()).toEqual(baseline);
		expect(suite.server.channels()).toEqual({});
	});
});
