/**
 * One Pusher connection per API key and endpoint: WebSocket triggers of several workflows share
 * one pusher-js connection and one subscription, each with its own filter, de-duplication and
 * errors. Real pusher-js against the Pusher-protocol test server.
 */
import {
	ACCESS_TOKEN,
	API_KEY,
	credentialsFor,
	newOrder,
	pusherGlobals,
	triggerSuite,
} from '../../../support/pusher';
import { sleep, until } from '../../../support/wait';

const suite = triggerSuite({ api: true, defaults: { channel: 'allOrders' } });

/** Five workflows on one API key: two follow every event, three only completions. */
async function fiveWorkflows() {
	const harnesses = [];
	for (let i = 0; i < 5; i += 1) {
		harnesses.push(
			await suite.start({
				workflowId: `wf-${i}`,
				events: i < 2 ? [] : ['ORDER_COMPLETED'],
				options: { recoverMissed: false },
			}),
		);
	}
	return harnesses;
}

describe('triggers on one API key and endpoint', () => {
	it('share one connection and one subscription; each event runs once in each workflow; the last to leave closes it', async () => {
		const globalsBefore = pusherGlobals();
		const harnesses = await fiveWorkflows();
		expect(suite.server.connections()).toHaveLength(1);
		expect(suite.server.subscriptionCount(API_KEY)).toBe(1);
		expect(pusherGlobals().instances).toBe(globalsBefore.instances + 1);

		const order = newOrder();
		await suite.publishSigned('ORDER_PROCESSING', { ...order, status: 'PROCESSING' });
		await suite.publishSigned('ORDER_COMPLETED', { ...order, status: 'COMPLETED' });
		// A copy of the same (order, status): de-duplicated by each trigger.
		await suite.publishSigned('ORDER_COMPLETED', { ...order, status: 'COMPLETED' });
		await until(() => harnesses.every((h, i) => h.emitted.length === (i < 2 ? 2 : 1)));
		await sleep(100);
		harnesses.forEach((h, i) => {
			expect(h.emitted.map((item) => item.eventID)).toEqual(
				i < 2 ? ['ORDER_PROCESSING', 'ORDER_COMPLETED'] : ['ORDER_COMPLETED'],
			);
			expect(h.errors).toEqual([]);
		});
		// Each workflow's own execution key.
		expect(new Set(harnesses.map((h) => h.keys.at(-1))).size).toBe(5);

		// Four leave: the connection stays for the fifth, which still gets events.
		for (const harness of harnesses.slice(0, 4)) await harness.close();
		await sleep(100);
		expect(suite.server.connections()).toHaveLength(1);
		const last = harnesses[4];
		const next = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', next);
		await until(() => last.emitted.some((item) => item.orderId === next.id));
		expect(harnesses[0].emitted).toHaveLength(2);

		await last.close();
		await suite.server.waitForNoConnections();
		expect(pusherGlobals()).toEqual(globalsBefore);
	});

	it('a re-subscription after a drop reaches every trigger (one subscription at the server)', async () => {
		const harnesses = await fiveWorkflows();
		const back = suite.server.next('subscribe', (e) => e.channel === API_KEY);
		suite.server.terminateAll();
		await back;
		expect(suite.server.subscriptionCount(API_KEY)).toBe(1);
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order);
		await until(() => harnesses.every((h) => h.emitted.length === 1));
	});

	it('other API keys and other endpoint options get their own connection', async () => {
		await suite.start({ workflowId: 'wf-a' });
		await suite.start({
			workflowId: 'wf-b',
			credentials: credentialsFor(suite.api.url, { apiKey: 'another-api-key' }),
		});
		await suite.start({ workflowId: 'wf-c', options: { pongTimeout: 12 } });
		expect(suite.server.connections()).toHaveLength(3);
	});

	it('one channel per order on the same connection; each trigger gets its own channel only', async () => {
		const one = await suite.start({ channel: 'orderId', orderId: 'order-one' });
		const two = await suite.start({ channel: 'orderId', orderId: 'order-two' });
		const all = await suite.start({ channel: 'allOrders' });
		expect(suite.server.connections()).toHaveLength(1);
		suite.server.publish('order-one', 'ORDER_COMPLETED', { id: 'order-one', status: 'COMPLETED' });
		suite.server.publish('order-two', 'ORDER_FAILED', { id: 'order-two', status: 'FAILED' });
		await until(() => one.emitted.length === 1 && two.emitted.length === 1);
		await sleep(100);
		expect(one.emitted.map((i) => i.orderId)).toEqual(['order-one']);
		expect(two.emitted.map((i) => i.orderId)).toEqual(['order-two']);
		expect(all.emitted).toEqual([]);
		// Leaving one channel unsubscribes it and keeps the connection.
		await one.close();
		await until(() => suite.server.subscriptionCount('order-one') === 0);
		expect(suite.server.subscriptionCount('order-two')).toBe(1);
		expect(suite.server.connections()).toHaveLength(1);
	});
});

describe("one trigger's failure never silences the others", () => {
	it('a trigger that cannot verify (another access token) drops events; the others emit them', async () => {
		const others = await fiveWorkflows();
		const wrongKey = await suite.start({
			workflowId: 'wf-wrong',
			credentials: credentialsFor(suite.api.url, {
				accessToken: 'another-access-token-0123456789',
				previousAccessToken: undefined,
				apiSecret: undefined,
			}),
		});
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order, ACCESS_TOKEN);
		await until(() => others.every((h) => h.emitted.length === 1));
		await sleep(1500);
		expect(wrongKey.emitted).toEqual([]);
	});

	it('a workflow whose executions cannot start: its events are dropped, the others run', async () => {
		const [failing, ...others] = await fiveWorkflows();
		failing.context.emit = () => {
			throw new Error('queue full');
		};
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order);
		await until(() => others.every((h) => h.emitted.length === 1));
		expect(failing.emitted).toEqual([]);
	});

	it('a refused subscription fails the triggers on that channel only', async () => {
		const healthy = await fiveWorkflows();
		const refused = await suite.start(
			{ channel: 'orderId', orderId: 'private-not-authorised' },
			false,
		);
		await until(() => refused.errors.length === 1);
		expect(refused.errors[0].message).toContain('refused the subscription');
		await suite.publishSigned('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
		await until(() => healthy.every((h) => h.emitted.length === 1));
		expect(healthy.flatMap((h) => h.errors)).toEqual([]);
		expect(suite.server.connections()).toHaveLength(1);
	});

	it('a refused connection: every trigger reports it once; re-activation opens a fresh connection', async () => {
		const harnesses = await fiveWorkflows();
		suite.server.refuseConnections({ code: 4001, message: 'App does not exist' });
		suite.server.closeAll(4001, 'App does not exist');
		await until(() => harnesses.every((h) => h.errors.length === 1));
		await suite.server.waitForNoConnections();
		await sleep(200);
		expect(harnesses.map((h) => h.errors.length)).toEqual([1, 1, 1, 1, 1]);

		// n8n deactivates each workflow after its error, then activates it again.
		for (const harness of harnesses) await harness.close();
		suite.server.refuseConnections(undefined);
		const again = await suite.start({ workflowId: 'wf-0' });
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order);
		await until(() => again.emitted.length === 1);
		expect(suite.server.connections()).toHaveLength(1);
	});
});
