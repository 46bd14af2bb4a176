/**
 * How often the triggers read their credential under forged floods, measured in a real n8n.
 * Reading a credential costs n8n a database query and an expression sandbox, and forged
 * deliveries fail verification exactly as deliveries signed with a rotated token do, so every
 * failure could turn into a read. This file starts a second n8n of the same version that logs its
 * database queries, and counts the queries that load the Transak API credential (n8n's
 * CredentialsHelper runs one per getCredentials) while 200 forged webhooks arrive at once, and
 * while a flood of forged events arrives on the all-orders channel.
 */
import { startN8n } from '../../tools/n8n/launch';
import { pack } from '../../tools/n8n/pack';
import * as fx from '../../tools/transak/fixtures';
import { startPusherServer } from '../../tools/transak/pusher-server';
import * as real from '../support/real-n8n';
import { outputItems, uniqueId } from '../support/real-n8n';

const version = real.n8n().main.version;
const ACCESS_TOKEN = real.secret('reads-access-token');
const API_KEY = `e2e-reads-${Date.now()}`;
const FORGED_WEBHOOKS = 200;
const FORGED_EVENTS = 500;

type Instance = Awaited<ReturnType<typeof startN8n>>;
type PusherServer = Awaited<ReturnType<typeof startPusherServer>>;
let n8n: Instance;
let pusher: PusherServer;
let credential: { id: string; name: string };
const webhook = { id: '', hook: uniqueId('reads-webhook') };
const socket = { id: '' };

/** Credential loads in the query log after `mark` (a length of the log). */
function credentialReads(mark: number): number {
	const query = `-- PARAMETERS: ["${credential.id}","transakApi"]`;
	return n8n.logs().slice(mark).split(query).length - 1;
}

/** Says a measured figure in the test output. */
function report(what: string, reads: number, seconds: number): void {
	process.stderr.write(
		`\n[e2e figure] n8n ${version}: ${what}: ${reads} credential read(s) in ${seconds.toFixed(1)} s\n`,
	);
}

/**
 * Waits until n8n's database is ready again: under a burst of concurrent requests on SQLite
 * (two connections), n8n's own ping of the database can time out, and n8n then answers 503
 * "Database is not ready!" until its next ping succeeds.
 */
async function databaseReady(): Promise<void> {
	const deadline = Date.now() + 60_000;
	while ((await n8n.http('GET', '/healthz/readiness')).status !== 200) {
		if (Date.now() > deadline) throw new Error(`n8n ${version}: database not ready after 60 s`);
		await real.sleep(250);
	}
}

async function executionCount(workflowId: string): Promise<number> {
	return (await n8n.executions(workflowId)).length;
}

async function nextExecution(workflowId: string, before: number) {
	const all = await n8n.waitForExecutions(workflowId, before + 1, 120_000);
	return all[all.length - 1];
}

const forgedClaims = () =>
	fx.orderClaims('ORDER_COMPLETED', fx.sampleOrder({ id: uniqueId('forged') }));

beforeAll(async () => {
	n8n = await startN8n({
		version,
		tarball: process.env.N8N_E2E_TARBALL ?? pack(),
		env: { DB_LOGGING_ENABLED: 'true', DB_LOGGING_OPTIONS: 'query' },
		logLevel: 'info',
	});
	pusher = await startPusherServer({ port: 0, key: `e2e-reads-app-${Date.now()}` });
	credential = await real.signingCredential(n8n, { accessToken: ACCESS_TOKEN, apiKey: API_KEY });
	webhook.id = (
		await n8n.createWorkflow({
			name: 'Reads: webhook',
			nodes: [real.transakTrigger({ webhookId: webhook.hook, credential, typeVersion: 2 })],
		})
	).id;
	await n8n.activate(webhook.id);
	await n8n.waitForWebhook(`${webhook.hook}/webhook`, { probe: '{}', timeoutMs: 60_000 });
	const subscribed = pusher.waitForSubscribers(API_KEY, 1, 60_000);
	socket.id = (
		await n8n.createWorkflow({
			name: 'Reads: all orders',
			nodes: [real.webSocketTrigger({ credential, pusher, parameters: { channel: 'allOrders' } })],
		})
	).id;
	await n8n.activate(socket.id);
	await subscribed;
}, 300_000);

afterAll(async () => {
	await n8n?.stop();
	await pusher?.close();
});

describe(`credential reads under forged floods, n8n ${version}`, () => {
	test(`${FORGED_WEBHOOKS} concurrent forged webhooks: a bounded number of reads, none executes`, async () => {
		const deliver = (body: unknown) =>
			n8n.http('POST', `/webhook/${webhook.hook}/webhook`, {
				body: JSON.stringify(body),
				headers: { 'content-type': 'application/json' },
				timeoutMs: 120_000,
			});
		const genuine = (id: string) =>
			fx.orderWebhookBody('ORDER_COMPLETED', fx.sampleOrder({ id }), ACCESS_TOKEN);
		expect((await deliver(genuine(uniqueId('warm-up')))).status).toBe(200);
		await nextExecution(webhook.id, 0);
		const before = await executionCount(webhook.id);

		const mark = n8n.logs().length;
		const started = Date.now();
		const answers = await Promise.all(
			Array.from({ length: FORGED_WEBHOOKS }, () => deliver({ data: fx.forge(forgedClaims()) })),
		);
		const seconds = (Date.now() - started) / 1000;
		const reads = credentialReads(mark);
		report(`${FORGED_WEBHOOKS} concurrent forged webhooks`, reads, seconds);
		expect(answers.map((a) => a.status)).toEqual(Array(FORGED_WEBHOOKS).fill(401));
		// At most one read a second for failed deliveries, plus one when the keys turned 10 s old.
		expect(reads).toBeLessThanOrEqual(Math.ceil(seconds) + Math.ceil(seconds / 10) + 1);

		await databaseReady();
		const sentinel = uniqueId('after-the-flood');
		expect((await deliver(genuine(sentinel))).status).toBe(200);
		const execution = await nextExecution(webhook.id, before);
		expect(outputItems(execution, 'Transak Trigger')[0]?.orderId).toBe(sentinel);
		expect(await executionCount(webhook.id)).toBe(before + 1);
	});

	test(`a flood of ${FORGED_EVENTS} forged all-orders events: a bounded number of reads, one error, none executes`, async () => {
		const publish = (id: string) => {
			const order = fx.sampleOrder({ id, status: 'COMPLETED' });
			pusher.publish(
				API_KEY,
				'ORDER_COMPLETED',
				fx.signedOrder('ORDER_COMPLETED', order, ACCESS_TOKEN),
			);
		};
		await databaseReady();
		publish(uniqueId('warm-up'));
		await nextExecution(socket.id, 0);
		const before = await executionCount(socket.id);

		const mark = n8n.logs().length;
		const connections = pusher.stats.connections;
		const started = Date.now();
		for (let i = 0; i < FORGED_EVENTS; i += 1) {
			pusher.publish(API_KEY, 'ORDER_COMPLETED', fx.forge(forgedClaims()));
			if (i % 50 === 49) await real.sleep(100);
		}
		// The reads the last events queued, and n8n re-activating the trigger after its error.
		const deadline = Date.now() + 60_000;
		while (pusher.stats.connections === connections || pusher.subscriptionCount(API_KEY) !== 1) {
			if (Date.now() > deadline) throw new Error('the trigger was not re-activated');
			await real.sleep(100);
		}
		await real.sleep(2000);
		await databaseReady();
		const seconds = (Date.now() - started) / 1000;
		const reads = credentialReads(mark);
		report(`${FORGED_EVENTS} forged all-orders events`, reads, seconds);
		expect(reads).toBeLessThanOrEqual(Math.ceil(seconds) + 3);

		// 20 in a row raised one error: n8n logged it and re-activated the trigger (a new socket).
		const log = n8n.logs().slice(mark);
		expect(log).toContain('20 all-orders events in a row failed verification');
		// n8n 2.x: "failed at runtime and was deactivated"; 1.x: "failed with the error".
		expect(log.match(/failed at runtime and was deactivated|failed with the error/g)).toHaveLength(
			1,
		);
		expect(pusher.stats.connections).toBe(connections + 1);
		expect(await executionCount(socket.id)).toBe(before);

		// Genuine events still run after it.
		const sentinel = uniqueId('after-the-flood');
		publish(sentinel);
		const execution = await nextExecution(socket.id, before);
		expect(outputItems(execution, 'Transak WebSocket Trigger')[0]?.orderId).toBe(sentinel);
		expect(n8n.logs()).not.toContain(ACCESS_TOKEN);
	});
});
