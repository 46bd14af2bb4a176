/**
 * The Transak WebSocket Trigger in queue mode: n8n activates triggers on the main instance only,
 * so each active workflow holds exactly one Pusher connection, owned by the main process (checked
 * against the sockets each process really holds, from /proc), and its events run on the worker.
 * Deactivating closes the connection.
 */
import * as fx from '../../tools/transak/fixtures';
import { startFakeTransakApi } from '../../tools/transak/fake-api';
import { startPusherServer } from '../../tools/transak/pusher-server';
import * as real from '../support/real-n8n';
import { enqueuedBy, exactlyExecutions, executions, outputItems } from '../support/real-n8n';
import { sleep, socketsPerProcess, uniqueId } from '../support/real-n8n';

const { main, webhooks, workers } = real.n8n();
const TRIGGER = 'Transak WebSocket Trigger';
const ACCESS_TOKEN = real.secret('queue-ws-access-token');
const API_KEY = `queue-partner-${Date.now()}`;

type PusherServer = Awaited<ReturnType<typeof startPusherServer>>;
let pusher: PusherServer;
let fake: Awaited<ReturnType<typeof startFakeTransakApi>>;

interface Watched {
	id: string;
	channel: string;
}
const oneOrder: Watched = { id: '', channel: uniqueId('queue-order') };
const allOrders: Watched = { id: '', channel: API_KEY };
/** Three more all-orders workflows on the same API key (five workflows in all). */
const more: Watched[] = [1, 2, 3].map(() => ({ id: '', channel: API_KEY }));
const active: Watched[] = [];

function workflow(
	name: string,
	parameters: Record<string, unknown>,
	credential: { id: string; name: string },
) {
	return { name, nodes: [real.webSocketTrigger({ credential, pusher, parameters })] };
}

async function activate(watched: Watched, json: ReturnType<typeof workflow>) {
	watched.id = await real.activateSubscribed(pusher, watched.channel, json);
	active.push(watched);
}

/** Publishes an order event on the all-orders channel, signed with `key` (forged without). */
const publishToAll = (eventID: string, order: object, key?: string) =>
	pusher.publish(allOrders.channel, eventID, fx.signedOrder(eventID, order, key));

beforeAll(async () => {
	pusher = await startPusherServer({ port: 0, key: `queue-app-${Date.now()}` });
	fake = await startFakeTransakApi({ apiKey: API_KEY, accessToken: ACCESS_TOKEN });
	const credential = await main.createCredential('transakApi', fake.credentials());
	await activate(
		oneOrder,
		workflow('Queue WS: one order', { channel: 'orderId', orderId: oneOrder.channel }, credential),
	);
	await activate(
		allOrders,
		workflow(
			'Queue WS: all orders',
			{ channel: 'allOrders', events: ['ORDER_COMPLETED'] },
			credential,
		),
	);
	for (const [i, watched] of more.entries()) {
		await activate(
			watched,
			workflow(`Queue WS: all orders ${i + 2}`, { channel: 'allOrders' }, credential),
		);
	}
});

afterAll(async () => {
	for (const watched of active) await main.deactivate(watched.id).catch(() => undefined);
	await pusher?.close();
	await fake?.close();
});

describe(`Transak WebSocket Trigger in queue mode (n8n ${main.version})`, () => {
	test('five workflows on one API key: one Pusher connection, held by the main instance and by no other process', async () => {
		// Give webhook processors and the workers time to do anything they would do on activation.
		await sleep(3000);
		expect(active).toHaveLength(5);
		expect(pusher.connections()).toHaveLength(1);
		expect(pusher.subscriptionCount(oneOrder.channel)).toBe(1);
		expect(pusher.subscriptionCount(allOrders.channel)).toBe(1);
		const sockets = socketsPerProcess(pusher.port);
		const expected: Record<string, number> = { main: 1 };
		for (const p of [...webhooks, ...workers]) expected[p.role] = 0;
		expect(sockets).toEqual(expected);
	});

	test('an all-orders event runs once in each of the four all-orders workflows', async () => {
		const watched = [allOrders, ...more];
		const befores = await Promise.all(watched.map(async (w) => (await executions(w.id)).length));
		const order = fx.sampleOrder({ id: uniqueId('shared'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', order, ACCESS_TOKEN);
		for (const [i, w] of watched.entries()) {
			const all = await exactlyExecutions(w.id, befores[i] + 1);
			expect(outputItems(all[all.length - 1], TRIGGER)[0]?.orderId).toBe(order.id);
		}
	});

	test('an event on the order channel: one execution, queued by the main instance, run by the worker', async () => {
		const before = (await executions(oneOrder.id)).length;
		const order = fx.sampleOrder({ id: oneOrder.channel, status: 'PROCESSING' });
		pusher.publish(oneOrder.channel, 'ORDER_PROCESSING', order);
		const all = await exactlyExecutions(oneOrder.id, before + 1);
		const execution = all[all.length - 1];
		expect(execution.status).toBe('success');
		expect(execution.mode).toBe('trigger');
		expect(outputItems(execution, TRIGGER)).toEqual([
			{ ...order, eventID: 'ORDER_PROCESSING', status: 'PROCESSING', orderId: order.id },
		]);
		expect(enqueuedBy(execution.id)).toEqual(['main']);
		real.expectRanByOneWorker(execution.id);
	});

	test('all-orders channel: signed, selected events run on the worker; forged ones start nothing', async () => {
		const before = (await executions(allOrders.id)).length;
		const forged = fx.sampleOrder({ id: uniqueId('forged'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', forged);
		const genuine = fx.sampleOrder({ id: uniqueId('genuine'), status: 'COMPLETED' });
		publishToAll('ORDER_COMPLETED', genuine, ACCESS_TOKEN);
		const all = await exactlyExecutions(allOrders.id, before + 1);
		const execution = all[all.length - 1];
		expect(outputItems(execution, TRIGGER)).toEqual([
			expect.objectContaining({ eventID: 'ORDER_COMPLETED', orderId: genuine.id }),
		]);
		real.expectRanByOneWorker(execution.id);
	});

	test('several events in a row: one execution each, all on the worker (in any order: the worker runs jobs in parallel)', async () => {
		const before = (await executions(oneOrder.id)).length;
		const statuses = ['PENDING_DELIVERY_FROM_TRANSAK', 'COMPLETED'];
		for (const status of statuses) {
			pusher.publish(
				oneOrder.channel,
				status === 'COMPLETED' ? 'ORDER_COMPLETED' : 'ORDER_PROCESSING',
				fx.sampleOrder({ id: oneOrder.channel, status }),
			);
		}
		const all = await exactlyExecutions(oneOrder.id, before + statuses.length);
		const fresh = all.slice(before);
		expect(fresh.map((e) => outputItems(e, TRIGGER)[0]?.status).sort()).toEqual(
			[...statuses].sort(),
		);
		for (const execution of fresh) real.expectRanByOneWorker(execution.id);
	});

	test('deactivating the workflows closes their connections, in every process, for good', async () => {
		for (const watched of active.splice(0)) await main.deactivate(watched.id);
		await pusher.waitForNoConnections(30_000);
		await sleep(2500);
		expect(pusher.connections()).toEqual([]);
		const sockets = socketsPerProcess(pusher.port);
		expect(Object.values(sockets).every((count) => count === 0)).toBe(true);
	});
});
