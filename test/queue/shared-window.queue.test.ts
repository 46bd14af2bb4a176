/**
 * The shared de-duplication window (nodes/Transak/webhook/sharedWindow.ts) against real
 * redis-server: the queue cluster's own (password, database 1, n8n's prefix) and servers started
 * here for what that one cannot show: a username (ACL user), TLS, Redis Cluster, an outage and a
 * server that stops answering. "Processes" are separate windows, each with its own connection,
 * and for the node itself separate module registries, as separate n8n processes have.
 */
import Redis from 'ioredis';

import { describeRedis, sharedWindowSettings } from '../../nodes/Transak/queue/redisSettings';
import { openRedisStore } from '../../nodes/Transak/queue/redisStore';
import {
	SharedDeliveryWindow,
	type Claim,
	type SharedWindowOptions,
} from '../../nodes/Transak/webhook/sharedWindow';
import { freePort } from '../../tools/processes';
import { startRedis } from '../../tools/services';
import { orderWebhookBody, sampleOrder } from '../../tools/transak/fixtures';
import { queueRedisEnv, sleep, uniqueId } from '../support/real-n8n';
import { TEST_TLS } from '../support/self-signed-tls';
import { disconnectRedisClients } from '../support/tracked-ioredis';
import { deliver, nodeProcess, started } from '../support/trigger-process';
import type { Delivery } from '../support/trigger-process';

// Every connection the windows open is closed after the suite (see tracked-ioredis).
jest.mock('ioredis', () => jest.requireActual('../support/tracked-ioredis'));

type Env = Record<string, string>;
type Server = Awaited<ReturnType<typeof startRedis>>;
type Claimed = Extract<Claim, { kind: 'claimed' }>;

/** n8n's queue-mode settings of the cluster's Redis. */
const clusterEnv: Env = queueRedisEnv();

const servers: Server[] = [];
const clients: Redis[] = [];

/**
 * One process's window on the Redis that `env` describes, as the node builds it (ioredis, n8n's
 * settings), with test-sized timings.
 */
function windowFor(
	env: Env,
	options: SharedWindowOptions = {},
	report: (m: string) => void = () => undefined,
): SharedDeliveryWindow {
	const settings = sharedWindowSettings(env);
	if (!settings.enabled) throw new Error(settings.reason);
	const { redis: r } = settings;
	return new SharedDeliveryWindow(
		(onError) => openRedisStore(r, onError),
		{ prefix: r.prefix, where: describeRedis(r), secret: r.password, pollMs: 5, ...options },
		report,
	);
}

/** A plain client to look at what the window left in Redis. */
function inspect(env: Env): Redis {
	const client = new Redis({
		host: env.QUEUE_BULL_REDIS_HOST,
		port: Number(env.QUEUE_BULL_REDIS_PORT),
		db: Number(env.QUEUE_BULL_REDIS_DB ?? 0),
		username: env.QUEUE_BULL_REDIS_USERNAME,
		password: env.QUEUE_BULL_REDIS_PASSWORD,
	});
	clients.push(client);
	return client;
}

async function server(options: Parameters<typeof startRedis>[0] = {}): Promise<Server> {
	const started = await startRedis(options);
	servers.push(started);
	return started;
}

const envOf = (s: Server, extra: Env = {}): Env => ({
	EXECUTIONS_MODE: 'queue',
	...(s.n8nEnv() as Env),
	...extra,
});

afterAll(async () => {
	disconnectRedisClients();
	for (const client of clients) client.disconnect();
	for (const s of servers) await s.stop();
});

describe("the shared window on the queue cluster's redis-server (password, database 1, n8n's prefix)", () => {
	test('claim, a copy waiting, confirm, duplicate for the window, expiry: the full cycle', async () => {
		const [a, b] = [windowFor(clusterEnv), windowFor(clusterEnv)];
		const key = a.keyFor('wf', 'node', uniqueId('cycle'));
		const first = (await a.claim(key, 400)) as Claimed;
		expect(first.kind).toBe('claimed');
		expect(await inspect(clusterEnv).get(key)).toMatch(/^pending:/);
		const copy = b.claim(key, 400);
		await sleep(50);
		await first.settle(true);
		expect((await copy).kind).toBe('duplicate');
		expect(await inspect(clusterEnv).get(key)).toBe('done');
		await sleep(450);
		expect((await b.claim(key, 400)).kind).toBe('claimed');
	});

	test('a failed hand-off releases the claim: a waiting copy takes over, and a later retry starts', async () => {
		const [a, b] = [windowFor(clusterEnv), windowFor(clusterEnv)];
		const key = a.keyFor('wf', 'node', uniqueId('release'));
		const first = (await a.claim(key, 60_000)) as Claimed;
		const copy = b.claim(key, 60_000);
		await sleep(50);
		await first.settle(false);
		const second = (await copy) as Claimed;
		expect(second.kind).toBe('claimed');
		await second.settle(false);
		expect(await inspect(clusterEnv).get(key)).toBeNull();
		expect((await a.claim(key, 60_000)).kind).toBe('claimed');
	});

	test('a release never deletes a claim that is no longer its own', async () => {
		const a = windowFor(clusterEnv, { pendingMs: 100 });
		const b = windowFor(clusterEnv);
		const key = a.keyFor('wf', 'node', uniqueId('own'));
		const first = (await a.claim(key, 60_000)) as Claimed;
		await sleep(150); // a's claim expired (an owner that took too long)
		const second = (await b.claim(key, 60_000)) as Claimed;
		expect(second.kind).toBe('claimed');
		await first.settle(false);
		expect(await inspect(clusterEnv).get(key)).toMatch(/^pending:/);
		await second.settle(true);
		expect(await inspect(clusterEnv).get(key)).toBe('done');
	});

	test('an owner that never reports (crashed): copies accept after the wait, and the claim expires', async () => {
		const a = windowFor(clusterEnv, { pendingMs: 400 });
		const b = windowFor(clusterEnv, { waitMs: 150 });
		const key = a.keyFor('wf', 'node', uniqueId('crashed'));
		expect((await a.claim(key, 60_000)).kind).toBe('claimed');
		const startedAt = Date.now();
		expect((await b.claim(key, 60_000)).kind).toBe('undecided');
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
		await sleep(450);
		expect((await b.claim(key, 60_000)).kind).toBe('claimed');
	});

	test('20 processes x 50 deliveries, all at once: exactly one owner per delivery, the others duplicates', async () => {
		const processes = Array.from({ length: 20 }, () => windowFor(clusterEnv));
		const keys = Array.from({ length: 50 }, () =>
			processes[0].keyFor('wf', 'node', uniqueId('race')),
		);
		const kinds = new Map<string, string[]>();
		await Promise.all(
			keys.flatMap((key) =>
				processes.map(async (window) => {
					const claim = await window.claim(key, 60_000);
					// Every owner hands off at once, as n8n answers within milliseconds.
					if (claim.kind === 'claimed') await claim.settle(true);
					kinds.set(key, [...(kinds.get(key) ?? []), claim.kind]);
				}),
			),
		);
		for (const key of keys) {
			expect(kinds.get(key)!.filter((k) => k === 'claimed')).toHaveLength(1);
			expect(kinds.get(key)!.filter((k) => k === 'duplicate')).toHaveLength(19);
		}
	});

	test("keys live under n8n's prefix in n8n's database, for the window; one connection per process", async () => {
		const db1 = inspect(clusterEnv);
		const ours = async () =>
			String(await db1.client('LIST'))
				.split('\n')
				.filter((line) => line.includes(' name=n8n-nodes-transak '));
		const before = await ours();
		const window = windowFor(clusterEnv);
		const keys = Array.from({ length: 100 }, () => window.keyFor('wf', 'n', uniqueId('db')));
		const claims = await Promise.all(keys.map((key) => window.claim(key, 600_000)));
		await Promise.all(claims.map((claim) => (claim as Claimed).settle(true)));
		expect(keys[0].startsWith(`${clusterEnv.QUEUE_BULL_PREFIX}:transak:dedupe:wf:n:`)).toBe(true);
		const db0 = inspect({ ...clusterEnv, QUEUE_BULL_REDIS_DB: '0' });
		expect(await db0.get(keys[0])).toBeNull();
		expect(await db1.get(keys[0])).toBe('done');
		const ttl = await db1.pttl(keys[0]);
		expect(ttl).toBeGreaterThan(590_000);
		expect(ttl).toBeLessThanOrEqual(600_000);
		const after = await ours();
		expect(after).toHaveLength(before.length + 1);
		expect(after.filter((line) => !before.includes(line))[0]).toContain(' db=1 ');
	});

	test('a wrong password: unavailable (the delivery is accepted), reported once, without the password', async () => {
		const reports: string[] = [];
		const env = { ...clusterEnv, QUEUE_BULL_REDIS_PASSWORD: 'not-the-password-123' };
		const window = windowFor(env, {}, (m) => reports.push(m));
		expect((await window.claim('x', 60_000)).kind).toBe('unavailable');
		expect((await window.claim('y', 60_000)).kind).toBe('unavailable');
		expect(reports).toHaveLength(1);
		expect(reports[0]).toMatch(/WRONGPASS|invalid/i);
		expect(reports[0]).not.toContain('not-the-password-123');
		expect(reports[0]).not.toContain(clusterEnv.QUEUE_BULL_REDIS_PASSWORD);
	});
});

describe('the shared window on redis-servers of its own', () => {
	test('a username and password (QUEUE_BULL_REDIS_USERNAME, an ACL user): works; a wrong password is unavailable, without it in the report', async () => {
		const acl = await server({
			password: null,
			config: ['user default off', 'user transak on >user-secret-4711 ~* &* +@all'],
		});
		const env = envOf(acl, {
			QUEUE_BULL_REDIS_USERNAME: 'transak',
			QUEUE_BULL_REDIS_PASSWORD: 'user-secret-4711',
		});
		const window = windowFor(env);
		const key = window.keyFor('wf', 'node', uniqueId('acl'));
		await ((await window.claim(key, 60_000)) as Claimed).settle(true);
		expect(await inspect(env).get(key)).toBe('done');
		const reports: string[] = [];
		const wrong = windowFor({ ...env, QUEUE_BULL_REDIS_PASSWORD: 'wrong-user-secret' }, {}, (m) =>
			reports.push(m),
		);
		expect((await wrong.claim(key, 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toMatch(/WRONGPASS/);
		expect(reports.join('\n')).not.toMatch(/wrong-user-secret|user-secret-4711/);
	});

	test('TLS (QUEUE_BULL_REDIS_TLS): claims over TLS; a certificate that does not validate means unavailable, reported', async () => {
		const tls = await server({ password: 'tls-password-0815', tls: TEST_TLS });
		const env = envOf(tls, { QUEUE_BULL_REDIS_TLS: 'true' });
		const unchecked = windowFor({ ...env, QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: 'false' });
		const key = unchecked.keyFor('wf', 'node', uniqueId('tls'));
		expect((await unchecked.claim(key, 60_000)).kind).toBe('claimed');
		// Validation on (n8n's default) and a self-signed certificate: refused, deliveries accepted.
		const reports: string[] = [];
		const checked = windowFor(env, {}, (m) => reports.push(m));
		expect((await checked.claim(uniqueId('tls'), 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toMatch(/127\.0\.0\.1:\d+.*(SELF_SIGNED|self.signed)/i);
		expect(reports.join('\n')).not.toContain('tls-password-0815');
	});

	test("TLS set as n8n reads it: 1 and 0 are booleans, an unknown value keeps n8n's default (validate)", async () => {
		const tls = await server({ password: 'tls-password-0816', tls: TEST_TLS });
		const env = envOf(tls, { QUEUE_BULL_REDIS_TLS: '1' });
		expect(sharedWindowSettings(env)).toMatchObject({ redis: { tls: true } });
		// `1` means TLS: the server speaks nothing else, so a claim proves it.
		const unchecked = windowFor({ ...env, QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: '0' });
		expect((await unchecked.claim(uniqueId('tls-1'), 60_000)).kind).toBe('claimed');
		// A value n8n does not know keeps its default: certificates are checked.
		const reports: string[] = [];
		const checked = windowFor(
			{ ...env, QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: 'yes' },
			{},
			(m) => reports.push(m),
		);
		expect((await checked.claim(uniqueId('tls-v'), 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toMatch(/SELF_SIGNED|self.signed/i);
	});

	test('Redis Cluster (QUEUE_BULL_REDIS_CLUSTER_NODES): claims go through ioredis cluster mode', async () => {
		const node = await server({
			password: 'cluster-pw-1',
			config: ['cluster-enabled yes', 'cluster-announce-ip 127.0.0.1'],
		});
		const admin = inspect(envOf(node));
		await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
		for (
			let i = 0;
			!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
			i++
		) {
			if (i > 100) throw new Error('the one-node cluster did not come up');
			await sleep(100);
		}
		const env: Env = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_CLUSTER_NODES: `127.0.0.1:${node.port}`,
			QUEUE_BULL_REDIS_PASSWORD: 'cluster-pw-1',
		};
		const [a, b] = [windowFor(env), windowFor(env)];
		const key = a.keyFor('wf', 'node', uniqueId('cluster'));
		const first = (await a.claim(key, 60_000)) as Claimed;
		expect(first.kind).toBe('claimed');
		await first.settle(true);
		expect((await b.claim(key, 60_000)).kind).toBe('duplicate');
		expect(await admin.get(key)).toBe('done');
	});

	test('Redis not listening: unavailable at once, reported once per outage (ECONNREFUSED, no password), left alone for a while', async () => {
		const reports: string[] = [];
		const env = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(await freePort()),
			QUEUE_BULL_REDIS_PASSWORD: 'very-secret-password',
		};
		const window = windowFor(env, {}, (m) => reports.push(m));
		const startedAt = Date.now();
		const kinds: string[] = [];
		for (let i = 0; i < 5; i += 1) kinds.push((await window.claim(`d${i}`, 60_000)).kind);
		expect(kinds).toEqual(Array(5).fill('unavailable'));
		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(reports).toHaveLength(1);
		expect(reports[0]).toContain('ECONNREFUSED');
		expect(reports[0]).not.toContain('very-secret-password');
	});

	test('an outage: unavailable and reported once while Redis is down; once it answers again claims work, and that is reported', async () => {
		const flaky = await server({ password: 'flaky-password' });
		const reports: string[] = [];
		const window = windowFor(envOf(flaky), { retryAfterMs: 200 }, (m) => reports.push(m));
		expect((await window.claim(uniqueId('before'), 60_000)).kind).toBe('claimed');
		await flaky.down();
		for (let i = 0; i < 3; i += 1) {
			expect((await window.claim(uniqueId('down'), 60_000)).kind).toBe('unavailable');
			await sleep(250);
		}
		await flaky.up();
		let kind = '';
		for (let i = 0; i < 50 && kind !== 'claimed'; i += 1) {
			kind = (await window.claim(uniqueId('after'), 60_000)).kind;
			if (kind !== 'claimed') await sleep(250);
		}
		expect(kind).toBe('claimed');
		expect(reports).toEqual([
			expect.stringContaining('cannot be used'),
			expect.stringContaining('answers again'),
		]);
		expect(reports.join('\n')).not.toContain('flaky-password');
	});

	test('no answer within the timeout (a paused server): unavailable after about the timeout', async () => {
		const paused = await server({ password: 'paused-password' });
		const window = windowFor(envOf(paused));
		expect((await window.claim(uniqueId('t0'), 60_000)).kind).toBe('claimed');
		await inspect(envOf(paused)).call('CLIENT', 'PAUSE', '4000', 'ALL');
		const startedAt = Date.now();
		expect((await window.claim(uniqueId('t1'), 60_000)).kind).toBe('unavailable');
		const waited = Date.now() - startedAt;
		expect(waited).toBeGreaterThanOrEqual(1500);
		expect(waited).toBeLessThan(3500);
	});
});

// ---------------------------------------------------------------- the node, as separate processes

describe('Transak Trigger in queue mode, one delivery reaching several webhook processes', () => {
	const accessToken = 'shared-window-access-token-0123456789';
	const saved = { ...process.env };
	let own: Server;
	let workflowCounter = 0;
	const freshWorkflow = () => `wf-shared-${++workflowCounter}-${Date.now()}`;
	const body = (id = uniqueId('order')) =>
		orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id }), accessToken);
	const send = (proc: ReturnType<typeof nodeProcess>, b: unknown, wf: string, options = {}) =>
		deliver(proc, b, wf, { accessToken, options });

	beforeAll(async () => {
		own = await server({ password: 'queue-redis-password' });
		Object.assign(
			process.env,
			envOf(own, { QUEUE_BULL_REDIS_DB: '1', QUEUE_BULL_PREFIX: 'q-test' }),
		);
	});
	afterAll(() => {
		for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
		Object.assign(process.env, saved);
	});

	test('sent to two processes at once: one execution; the copy is acknowledged once the first is queued', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const delivery = body();
		let queuedAt = 0;
		// n8n queues an execution a moment after webhook() returned it, then answers 200.
		const deliverAndQueue = async (proc: ReturnType<typeof nodeProcess>) => {
			const d = await send(proc, delivery, workflowId);
			if (started(d))
				setTimeout(() => {
					queuedAt = Date.now();
					d.response.n8nAnswers(200);
				}, 50);
			return { d, answeredAt: Date.now() };
		};
		const both = await Promise.all([deliverAndQueue(a), deliverAndQueue(b)]);
		const owner = both.find((x) => started(x.d))!;
		const other = both.find((x) => x !== owner)!;
		expect(started(other.d)).toBe(false);
		expect(other.d.response.statusCode).toBe(200);
		expect(other.answeredAt).toBeGreaterThanOrEqual(queuedAt);
		await sleep(30);
		const keys = await inspect(envOf(own, { QUEUE_BULL_REDIS_DB: '1' })).keys(
			`q-test:transak:dedupe:${workflowId}:*`,
		);
		expect(keys).toEqual([
			expect.stringMatching(
				new RegExp(`^q-test:transak:dedupe:${workflowId}:node-1:[0-9a-f]{40}$`),
			),
		]);
		expect(await inspect(envOf(own, { QUEUE_BULL_REDIS_DB: '1' })).get(keys[0])).toBe('done');
		// A retry later, to either process, or to a process started since (empty memory), is a repeat.
		expect(started(await send(a, delivery, workflowId))).toBe(false);
		expect(started(await send(b, delivery, workflowId))).toBe(false);
		expect(started(await send(nodeProcess(), delivery, workflowId))).toBe(false);
	});

	test('the copy waits while the first is being queued, and takes over if n8n could not queue it', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const delivery = body();
		const first = await send(a, delivery, workflowId);
		expect(started(first)).toBe(true);
		let copyDone = false;
		const copy = send(b, delivery, workflowId).then((d) => {
			copyDone = true;
			return d;
		});
		await sleep(80);
		expect(copyDone).toBe(false); // not acknowledged while the first could still fail
		first.response.n8nAnswers(500); // e.g. the queue was unreachable: n8n answers 500
		const second = await copy;
		expect(started(second)).toBe(true);
		second.response.n8nAnswers(200);
		await sleep(30);
		expect(started(await send(a, delivery, workflowId))).toBe(false);
	});

	test('after a failed hand-off, a retry to the same process starts the workflow', async () => {
		const a = nodeProcess();
		const workflowId = freshWorkflow();
		const delivery = body();
		(await send(a, delivery, workflowId)).response.n8nAnswers(503);
		await sleep(30);
		const retry = await send(a, delivery, workflowId);
		expect(started(retry)).toBe(true);
		retry.response.n8nAnswers(200);
		await sleep(30);
		expect(started(await send(a, delivery, workflowId))).toBe(false);
	});

	test('many copies over three processes, many deliveries: exactly one execution each', async () => {
		const processes = [nodeProcess(), nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const bodies = Array.from({ length: 30 }, () => body());
		const deliveries: Delivery[] = await Promise.all(
			bodies.flatMap((b) =>
				[0, 1, 2, 0, 1].map(async (p) => {
					const d = await send(processes[p], b, workflowId);
					if (started(d)) setTimeout(() => d.response.n8nAnswers(200), 5);
					return d;
				}),
			),
		);
		expect(deliveries.filter(started)).toHaveLength(30);
		expect(deliveries.every((d) => d.response.statusCode === 200)).toBe(true);
	});

	test('the option off: each process keeps its own window, Redis untouched', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const delivery = body();
		const options = { shareDeduplicationWindow: false };
		const sets = async () =>
			/cmdstat_set:calls=(\d+)/.exec(String(await inspect(envOf(own)).info('commandstats')))?.[1];
		const before = await sets();
		const both = await Promise.all([
			send(a, delivery, workflowId, options),
			send(b, delivery, workflowId, options),
		]);
		expect(both.filter(started)).toHaveLength(2);
		expect(await sets()).toBe(before);
	});

	test('Redis down: every process accepts (nothing lost), and says so once, without the password', async () => {
		process.env.QUEUE_BULL_REDIS_PORT = String(await freePort());
		try {
			const [a, b] = [nodeProcess(), nodeProcess()];
			const workflowId = freshWorkflow();
			const delivery = body();
			const results = await Promise.all([
				send(a, delivery, workflowId),
				send(b, delivery, workflowId),
			]);
			expect(results.filter(started)).toHaveLength(2);
			const other = await send(a, body('another'), workflowId);
			expect(started(other)).toBe(true);
			const logs = [...results.flatMap((r) => r.logs), ...other.logs];
			expect(logs.filter((line) => line.startsWith('warn'))).toHaveLength(2); // one per process
			expect(logs.join('\n')).toContain('ECONNREFUSED');
			expect(logs.join('\n')).not.toContain('queue-redis-password');
		} finally {
			process.env.QUEUE_BULL_REDIS_PORT = String(own.port);
		}
	});
});
