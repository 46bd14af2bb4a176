/**
 * The Transak WebSocket Trigger in a real n8n: real pusher-js inside n8n connects to the Pusher
 * test server on 127.0.0.1 (the node's wsHost/wsPort options). An event on each channel kind
 * starts one execution; a dropped connection comes back and a server outage is recovered from the
 * (fake) Transak API; deactivating the workflows closes every socket.
 */
import * as fx from '../../tools/transak/fixtures';
import { startFakeTransakApi, type FakeTransakApi } from '../../tools/transak/fake-api';
import { startPusherServer } from '../../tools/transak/pusher-server';
import * as real from '../support/real-n8n';
import { executions, outputItems, uniqueId, type Execution } from '../support/real-n8n';

const client = real.n8n().main;
const TRIGGER = 'Transak WebSocket Trigger';
const ACCESS_TOKEN = real.secret('ws-access-token');
const API_KEY = `e2e-partner-${Date.now()}`;

type PusherServer = Awaited<ReturnType<typeof startPusherServer>>;
let pusher: PusherServer;
let fake: FakeTransakApi;
let credential: { id: string; name: string };

interface Watched {
	id: string;
	channel: string;
}
const byOrderId: Watched = { id: '', channel: uniqueId('order') };
const partnerOrderId = uniqueId('partner');
const byPartnerOrderId: Watched = { id: '', channel: `${API_KEY}_${partnerOrderId}` };
const allOrders: Watched = { id: '', channel: API_KEY };
const recovering: Watched = { id: '', channel: uniqueId('recovered-order') };
const active: Watched[] = [];

function workflow(
	name: string,
	parameters: Record<string, unknown>,
	options: Record<string, unknown> = {},
) {
	return { name, nodes: [real.webSocketTrigger({ credential, pusher, parameters, options })] };
}

/** Creates and activates a workflow, resolving once its socket has subscribed to `channel`. */
async function activate(watched: Watched, json: ReturnType<typeof workflow>) {
	watched.id = await real.activateSubscribed(pusher, watched.channel, json);
	active.push(watched);
}

async function nextExecution(watched: Watched, before: number): Promise<Execution> {
	const execution = await real.nextExecution(watched.id, before);
	expect(execution.status).toBe('success');
	return execution;
}

/** Checks that the execution's one item has these fields (and maybe more). */
function expectItem(execution: Execution, fields: Record<string, unknown>) {
	expect(outputItems(execution, TRIGGER)).toEqual([expect.objectContaining(fields)]);
}

async function count(watched: Watched) {
	return (await executions(watched.id)).length;
}

/** Publishes an order event on the all-orders channel, signed with `key` (forged without). */
const publishToAll = (eventID: string, order: object, key?: string) =>
	pusher.publish(allOrders.channel, eventID, fx.signedOrder(eventID, order, key));

beforeAll(async () => {
	pusher = await startPusherServer({ port: 0, key: `e2e-app-${Date.now()}` });
	fake = await startFakeTransakApi({ apiKey: API_KEY, accessToken: ACCESS_TOKEN });
	credential = await client.createCredential('transakApi', fake.credentials());

	await activate(
		byOrderId,
		workflow('Transak WS: one order', { channel: 'orderId', orderId: byOrderId.channel }),
	);
	await activate(
		byPartnerOrderId,
		workflow('Transak WS: partner order', { channel: 'partnerOrderId', partnerOrderId }),
	);
	await activate(
		allOrders,
		workflow('Transak WS: all orders', {
			channel: 'allOrders',
			events: ['ORDER_COMPLETED', 'ORDER_FAILED'],
		}),
	);
});

afterAll(async () => {
	for (const watched of active) await client.deactivate(watched.id).catch(() => undefined);
	await pusher?.close();
	await fake?.close();
});

describe(`Transak WebSocket Trigger in n8n ${client.version}`, () => {
	test('an order event on the order-ID channel starts one execution', async () => {
		const before = await count(byOrderId);
		const order = fx.sampleOrder({ id: byOrderId.channel, status: 'PROCESSING' });
		pusher.publish(byOrderId.channel, 'ORDER_PROCESSING', order);
		const execution = await nextExecution(byOrderId, before);
		expect(outputItems(execution, TRIGGER)).toEqual([
			{ ...order, eventID: 'ORDER_PROCESSING', status: 'PROCESSING', orderId: order.id },
		]);
	});

	test('an order event on the partner-order-ID channel starts one execution', async () => {
		const before = await count(byPartnerOrderId);
		const order = fx.sampleOrder({ id: uniqueId('order'), partnerOrderId, status: 'COMPLETED' });
		pusher.publish(byPartnerOrderId.channel, 'ORDER_COMPLETED', order);
		const execution = await nextExecution(byPartnerOrderId, before);
		expectItem(execution, {
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: order.id,
			partnerOrderId,
		});
	});

	test('the all-orders channel takes signed events only, and only the selected ones', async () => {
		const before = await count(allOrders);
		const forged = fx.sampleOrder({ id: uniqueId('forged'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', forged);
		const unselected = fx.sampleOrder({ id: uniqueId('refunded'), status: 'REFUNDED' });
		publishToAll('ORDER_REFUNDED', unselected, ACCESS_TOKEN);
		const genuine = fx.sampleOrder({ id: uniqueId('genuine'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', genuine, ACCESS_TOKEN);

		const execution = await nextExecution(allOrders, before);
		expectItem(execution, {
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: genuine.id,
		});
		// Events on one socket arrive in order: the genuine one came last, so the others were dropped.
		const failed = fx.sampleOrder({ id: uniqueId('failed'), status: 'FAILED' });
		publishToAll('ORDER_FAILED', failed, ACCESS_TOKEN);
		const next = await nextExecution(allOrders, before + 1);
		expect(outputItems(next, TRIGGER)[0]).toMatchObject({
			eventID: 'ORDER_FAILED',
			orderId: failed.id,
		});
	});

	test('after a dropped connection the trigger resubscribes and events flow again', async () => {
		const before = await count(byOrderId);
		const resubscribed = pusher.next(
			'subscribe',
			(event) => event.channel === byOrderId.channel,
			30_000,
		);
		// Every workflow here shares the one connection of their API key and endpoint.
		expect(pusher.terminateAll()).toBe(1);
		await resubscribed;
		const order = fx.sampleOrder({ id: byOrderId.channel, status: 'COMPLETED' });
		pusher.publish(byOrderId.channel, 'ORDER_COMPLETED', order);
		const execution = await nextExecution(byOrderId, before);
		expect(outputItems(execution, TRIGGER)[0]).toMatchObject({
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: order.id,
		});
	});

	test('a status change made during a server outage is recovered from the Transak API after reconnecting', async () => {
		const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
		const order = fx.sampleOrder({
			id: recovering.channel,
			status: 'PROCESSING',
			createdAt: old,
			updatedAt: old,
			completedAt: undefined,
			statusHistories: [],
		});
		fake.addOrder(order);
		await activate(
			recovering,
			workflow(
				'Transak WS: recovery',
				{ channel: 'orderId', orderId: recovering.channel },
				{ recoverMissed: true },
			),
		);
		expect(await count(recovering)).toBe(0);

		const resubscribed = pusher.next(
			'subscribe',
			(event) => event.channel === recovering.channel,
			60_000,
		);
		await pusher.stop();
		fake.updateOrder(order.id, { status: 'COMPLETED' });
		await new Promise((resolve) => setTimeout(resolve, 300));
		await pusher.start();
		await resubscribed;

		const execution = await nextExecution(recovering, 0);
		expectItem(execution, {
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: order.id,
			recovered: true,
		});
	});

	test('no access token in execution data or the n8n log', async () => {
		const data = await real.allExecutionData(active.map((w) => w.id));
		expect(data).toContain('ORDER_COMPLETED');
		expect(data).not.toContain(ACCESS_TOKEN);
		expect(client.logs()).not.toContain(ACCESS_TOKEN);
	});

	test('five more workflows on the same API key: still one connection, each event runs once in each', async () => {
		const five: Watched[] = [];
		for (let i = 1; i <= 5; i += 1) {
			const watched: Watched = { id: '', channel: API_KEY };
			await activate(watched, workflow(`Transak WS: all orders ${i}`, { channel: 'allOrders' }));
			five.push(watched);
		}
		expect(pusher.connections()).toHaveLength(1);
		const befores = await Promise.all(five.map(count));
		const order = fx.sampleOrder({ id: uniqueId('shared'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', order, ACCESS_TOKEN);
		for (const [i, watched] of five.entries()) {
			expectItem(await nextExecution(watched, befores[i]), { orderId: order.id });
		}
		// No second execution in any of them (a later event shows the first one was not repeated).
		const marker = fx.sampleOrder({ id: uniqueId('marker'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', marker, ACCESS_TOKEN);
		for (const [i, watched] of five.entries()) {
			const runs = await real.exactlyExecutions(watched.id, befores[i] + 2);
			const ids = runs.map((run) => outputItems(run, TRIGGER)[0]?.orderId);
			expect(ids.filter((id) => id === order.id)).toHaveLength(1);
			expect(ids).toContain(marker.id);
		}
		// The five leave; the connection stays for the other workflows, which still receive.
		for (const watched of five) {
			await client.deactivate(watched.id);
			active.splice(active.indexOf(watched), 1);
		}
		expect(pusher.connections()).toHaveLength(1);
		const before = await count(allOrders);
		const after = fx.sampleOrder({ id: uniqueId('after'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', after, ACCESS_TOKEN);
		expectItem(await nextExecution(allOrders, before), { orderId: after.id });
	});

	test('deactivating the workflows closes every socket', async () => {
		// The active workflows share one socket (reconnected after the outage).
		for (const watched of active) await pusher.waitForSubscribers(watched.channel, 1, 30_000);
		expect(pusher.connections()).toHaveLength(1);
		for (const watched of active.splice(0)) await client.deactivate(watched.id);
		await pusher.waitForNoConnections(30_000);
		expect(pusher.connections()).toEqual([]);
		// Nothing reconnects afterwards.
		await new Promise((resolve) => setTimeout(resolve, 2500));
		expect(pusher.connections()).toEqual([]);
	});
});
