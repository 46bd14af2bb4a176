/**
 * Hostile input in a real n8n: requests that give up half-way through their body, hostile events
 * on a public Pusher channel, a Pusher server whose texts try to forge log lines, a connection that
 * flaps, and the same order status delivered again after a re-activation and through recovery.
 *
 * "No execution" is proven with a sentinel, as in webhook-trigger.e2e.test.ts: after the hostile
 * input a genuine event is sent, and the workflow must then have exactly one more execution.
 */
import * as net from 'net';

import * as fx from '../../tools/transak/fixtures';
import { startFakeTransakApi, type FakeTransakApi } from '../../tools/transak/fake-api';
import { startPusherServer } from '../../tools/transak/pusher-server';
import * as real from '../support/real-n8n';
import { executions, exactlyExecutions, outputItems, sleep, uniqueId } from '../support/real-n8n';

const client = real.n8n().main;
const ACCESS_TOKEN = real.secret('hostile-access-token');
const API_KEY = `e2e-hostile-${Date.now()}`;

type PusherServer = Awaited<ReturnType<typeof startPusherServer>>;
let pusher: PusherServer;
let fake: FakeTransakApi;
let credential: { id: string; name: string };
const workflows: string[] = [];

/** Log lines of n8n that appeared while `during` ran. */
async function logLinesDuring(during: () => Promise<void>): Promise<string[]> {
	const from = client.logs().length;
	await during();
	const text: string = client.logs().slice(from);
	return text.split('\n').filter((line) => line.trim() !== '');
}

beforeAll(async () => {
	pusher = await startPusherServer({ port: 0, key: `e2e-hostile-app-${Date.now()}` });
	fake = await startFakeTransakApi({ apiKey: API_KEY, accessToken: ACCESS_TOKEN });
	credential = await client.createCredential('transakApi', fake.credentials());
});

afterAll(async () => {
	await real.deactivate(workflows);
	await pusher?.close();
	await fake?.close();
});

describe(`Transak Trigger in n8n ${client.version}: bodies cut off mid-way`, () => {
	/**
	 * Sends the headers and part of the body a Content-Length announces, then disconnects: what a
	 * client that gives up (or an attacker with no signature at all) does.
	 */
	function cutOffRequest(hook: string, contentType: string | undefined): Promise<void> {
		const { hostname, port } = new URL(client.baseUrl);
		const partial = `{"data":"${fx.sign({ eventID: 'ORDER_COMPLETED' }, 'any key').slice(0, 60)}`;
		const head = [
			`POST /webhook/${hook}/webhook HTTP/1.1`,
			`Host: ${hostname}:${port}`,
			'Content-Length: 4096',
			...(contentType === undefined ? [] : [`Content-Type: ${contentType}`]),
			'',
			'',
		].join('\r\n');
		return new Promise((resolve) => {
			const socket = net.connect(Number(port), hostname, () => {
				socket.write(head + partial);
				// Long enough for n8n to route the request and the node to start reading its body.
				setTimeout(() => socket.destroy(), 400);
			});
			socket.on('close', () => resolve());
			socket.on('error', () => undefined);
		});
	}

	test.each([1, 2])(
		'version %i: 30 requests that disconnect mid-body (octet-stream, untyped, JSON) start no execution',
		async (typeVersion) => {
			const hook = uniqueId(`cut-off-v${typeVersion}`);
			const workflow = {
				name: `Transak webhook: cut-off bodies, version ${typeVersion}`,
				nodes: [real.transakTrigger({ webhookId: hook, credential, typeVersion })],
			};
			const { id } = await client.createWorkflow(workflow);
			workflows.push(id);
			await real.activate(id, `${hook}/webhook`);
			const before = (await executions(id)).length;

			for (let round = 0; round < 10; round += 1) {
				for (const type of ['application/octet-stream', undefined, 'application/json'])
					await cutOffRequest(hook, type);
			}
			// A failed execution is saved asynchronously: give it time to appear before counting.
			await sleep(2000);
			const order = fx.sampleOrder({ id: uniqueId('sentinel') });
			const answer = await real.post(
				client,
				`${hook}/webhook`,
				fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN),
			);
			expect(answer.status).toBe(200);
			const all = await exactlyExecutions(id, before + 1);
			expect(all[all.length - 1].status).toBe('success');
			expect(outputItems(all[all.length - 1], 'Transak Trigger')[0]?.orderId).toBe(order.id);
		},
	);
});

describe(`Transak WebSocket Trigger in n8n ${client.version}: hostile servers and events`, () => {
	function wsWorkflow(
		name: string,
		channel: string,
		options: Record<string, unknown> = {},
		events: string[] = [],
	) {
		return {
			name,
			nodes: [
				real.webSocketTrigger({
					credential,
					pusher,
					name,
					parameters: { channel: 'orderId', orderId: channel, events },
					options,
				}),
			],
		};
	}

	/** Deactivates and activates again; resolves once the new trigger has subscribed. */
	async function reactivate(id: string, channel: string) {
		await client.deactivate(id);
		const deadline = Date.now() + 30_000;
		while (pusher.subscriptionCount(channel) > 0) {
			if (Date.now() > deadline) throw new Error(`${channel} still subscribed after deactivation`);
			await sleep(50);
		}
		const subscribed = pusher.waitForSubscribers(channel, 1, 60_000);
		await client.activate(id);
		await subscribed;
	}

	async function activate(name: string, channel: string, options = {}, events: string[] = []) {
		const id = await real.activateSubscribed(
			pusher,
			channel,
			wsWorkflow(name, channel, options, events),
		);
		workflows.push(id);
		return id;
	}

	test('events nested 3,000 and 6,000 deep with __proto__ at the bottom, or just past the limit, and events named after Object.prototype members are dropped; one nested to the limit runs and is saved; the next event runs', async () => {
		const orderId = uniqueId('deep');
		const name = 'Hostile events';
		const id = await activate(name, orderId, {}, ['ORDER_COMPLETED']);
		const nested = (depth: number) =>
			`${'['.repeat(depth)}{"__proto__":{"polluted":true}}${']'.repeat(depth)}`;
		const order = (suffix: string, depth: number, status = 'COMPLETED') =>
			`{"id":"${orderId}-${suffix}","status":"${status}","x":${nested(depth)}}`;
		for (const depth of [3000, 6000, 110])
			pusher.publish(orderId, 'ORDER_COMPLETED', order(`deep-${depth}`, depth));
		for (const event of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
			pusher.publish(orderId, event, { id: orderId, status: event });
		pusher.publish(orderId, 'ORDER_COMPLETED', { id: orderId, status: 'constructor' });
		// The record is level 0 and `x` level 1: 97 more arrays and the object inside reach 99.
		pusher.publish(orderId, 'ORDER_COMPLETED', order('at-limit', 97));
		const genuine = fx.sampleOrder({ id: orderId, status: 'COMPLETED' });
		pusher.publish(orderId, 'ORDER_COMPLETED', genuine);

		const all = await exactlyExecutions(id, 3);
		expect(all.map((execution) => execution.status)).toEqual(['success', 'success', 'success']);
		const items = all.map((execution) => outputItems(execution, name)[0]);
		for (const item of items) {
			expect(typeof item.eventID).toBe('string');
			expect(typeof item.status).toBe('string');
		}
		// Emitted together: n8n may save them in either order.
		expect(items.map((item) => String(item.orderId)).sort()).toEqual(
			[orderId, `${orderId}-at-limit`, orderId].sort(),
		);
		expect(items.map((item) => item.status).sort()).toEqual([
			'COMPLETED',
			'COMPLETED',
			'constructor',
		]);
		expect(items).toContainEqual({
			...genuine,
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId,
		});
		const atLimit = items.find((item) => item.orderId === `${orderId}-at-limit`);
		expect(JSON.stringify(atLimit?.x)).toBe(`${'['.repeat(97)}{}${']'.repeat(97)}`);
		expect(JSON.stringify(items)).not.toContain('polluted');
	});

	test('texts of the Pusher server (errors, subscription errors, close reasons) never start a log line of their own', async () => {
		const orderId = uniqueId('forged');
		const marker = `FORGED-${Date.now()}`;
		const forged = (where: string) =>
			`bye\n${marker} ${where} | error | re-enter your API secret at http://127.0.0.1:9/\r\n${marker} again`;
		const name = 'Forging server';
		await activate(name, orderId);
		const lines = await logLinesDuring(async () => {
			pusher.sendRaw(
				JSON.stringify({
					event: 'pusher:error',
					data: { code: 4201, message: forged('pusher:error') },
				}),
			);
			const back = pusher.next('subscribe', (event) => event.channel === orderId, 30_000);
			pusher.closeAll(4200, forged('close reason'));
			await back;
			const refused = pusher.next('unsubscribe', (event) => event.channel === orderId, 30_000);
			pusher.publish(
				orderId,
				'pusher:subscription_error',
				JSON.stringify({ type: 'AuthError', error: forged('subscription error'), status: 403 }),
			);
			await refused;
			await sleep(2000);
		});
		const mentioning = lines.filter((line) => line.includes(marker));
		expect(mentioning.length).toBeGreaterThan(0);
		// Each one is a line of the trigger (or n8n's report of its error, and that error's stack),
		// with the server's text inside quotes: "bye <marker> ...".
		for (const line of mentioning)
			expect(line.slice(0, line.indexOf(marker))).toMatch(
				/(Transak WebSocket Trigger "|The Pusher server refused).*"bye $/,
			);
		expect(mentioning.some((line) => line.includes(`Transak WebSocket Trigger "${name}"`))).toBe(
			true,
		);
	});

	test('the same order status after a re-activation and through recovery: one execution on n8n 2.x, one per activation on 1.x', async () => {
		const orderId = uniqueId('once');
		const name = 'Once per status';
		const old = new Date(Date.now() - 86_400_000).toISOString();
		fake.addOrder(
			fx.sampleOrder({ id: orderId, status: 'PROCESSING', createdAt: old, updatedAt: old }),
		);
		const id = await activate(name, orderId, { recoverMissed: true });
		const order = fx.sampleOrder({ id: orderId, status: 'COMPLETED' });
		pusher.publish(orderId, 'ORDER_COMPLETED', order);
		await exactlyExecutions(id, 1);

		// Re-activated, the trigger remembers nothing: the same status again.
		await reactivate(id, orderId);
		pusher.publish(orderId, 'ORDER_COMPLETED', order);

		// Re-activated again, and the same status read back by recovery after a drop.
		await sleep(1500);
		await reactivate(id, orderId);
		fake.updateOrder(orderId, { status: 'COMPLETED', updatedAt: new Date().toISOString() });
		const recoveriesBefore = fake.requestsTo(`/partners/api/v2/order/${orderId}`).length;
		const back = pusher.next('subscribe', (event) => event.channel === orderId, 30_000);
		pusher.closeAll(4200, 'drop');
		await back;
		const deadline = Date.now() + 30_000;
		while (fake.requestsTo(`/partners/api/v2/order/${orderId}`).length === recoveriesBefore) {
			if (Date.now() > deadline) throw new Error('no recovery after the drop');
			await sleep(200);
		}
		await sleep(3000);

		const expected = client.major >= 2 ? 1 : 3;
		const all = await exactlyExecutions(id, expected);
		for (const execution of all)
			expect(outputItems(execution, name)[0]).toMatchObject({ orderId, status: 'COMPLETED' });
		if (client.major >= 2)
			expect(client.logs()).toContain('Scheduled execution skipped: duplicate deduplication key');
	});

	test('a connection that flaps (closed with 4200 after every subscription) for 10 s stays within bounded API calls and log lines, and events flow afterwards', async () => {
		// Alone on its own connection: the workflows before it share theirs (one per API key), and
		// that connection's history of drops would lengthen the back-off measured here.
		await real.deactivate(workflows.splice(0));
		await pusher.waitForNoConnections(30_000);
		const orderId = uniqueId('flapping');
		const name = 'Flapping connection';
		fake.addOrder(fx.sampleOrder({ id: orderId, status: 'PROCESSING' }));
		const id = await activate(name, orderId, { recoverMissed: true });
		const apiBefore = fake.requestsTo(`/partners/api/v2/order/${orderId}`).length;
		let subscriptions = 0;
		const counted = (event: { channel?: string }) => {
			if (event.channel === orderId) subscriptions += 1;
		};
		pusher.on('subscribe', counted);
		const lines = await logLinesDuring(async () => {
			pusher.closeAfterSubscribe({ code: 4200, reason: 'flapping', channel: orderId });
			pusher.closeAll(4200, 'flapping');
			await sleep(10_000);
			pusher.closeAfterSubscribe(undefined);
		});
		pusher.off('subscribe', counted);
		const apiCalls = fake.requestsTo(`/partners/api/v2/order/${orderId}`).length - apiBefore;
		const ours = lines.filter((line) => line.includes(`"${name}"`));
		real.record('flapping 10 s', {
			subscriptions,
			apiCalls,
			triggerLogLines: ours.length,
			allLogLines: lines.length,
		});
		process.stderr.write(
			`[hostile] n8n ${client.version}, flapping 10 s: ${subscriptions} subscriptions, ${apiCalls} API calls, ${ours.length} log lines of the trigger, ${lines.length} n8n log lines\n`,
		);
		// Flapping it was; recovery ran at most once every 5 s; a few lines per drop until the
		// flapping was recognised, then one line.
		expect(subscriptions).toBeGreaterThanOrEqual(3);
		expect(apiCalls).toBeGreaterThanOrEqual(1);
		expect(apiCalls).toBeLessThanOrEqual(3);
		expect(ours.length).toBeLessThanOrEqual(20);

		await pusher.waitForSubscribers(orderId, 1, 60_000);
		const before = (await executions(id)).length;
		const order = fx.sampleOrder({ id: orderId, status: 'COMPLETED' });
		pusher.publish(orderId, 'ORDER_COMPLETED', order);
		const all = await exactlyExecutions(id, before + 1);
		expect(outputItems(all[all.length - 1], name)[0]).toMatchObject({
			orderId,
			status: 'COMPLETED',
		});
	});
});
