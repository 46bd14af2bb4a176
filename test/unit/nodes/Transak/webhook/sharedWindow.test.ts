/**
 * The shared de-duplication window of the Transak Trigger (nodes/Transak/webhook/sharedWindow.ts)
 * without a Redis: n8n's settings, the claim loop against injected stores that answer whatever a
 * server might (the real redis-server is in the queue suite: test/queue/shared-window.queue.test.ts),
 * how ioredis is configured, and that nothing outside queue mode loads it.
 */
import fc from 'fast-check';

import type { RedisSettings } from '../../../../../nodes/Transak/queue/redisSettings';
import type { ClaimStore } from '../../../../../nodes/Transak/queue/redisStore';
import {
	SharedDeliveryWindow,
	sharedDeliveryWindow,
} from '../../../../../nodes/Transak/webhook/sharedWindow';
import { orderWebhookBody, sampleOrder } from '../../../../../tools/transak/fixtures';
import { deliver, nodeProcess, started } from '../../../../support/trigger-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- settings

// ---------------------------------------------------------------- the claim loop

/**
 * A store that records every command and answers with `answer` (or throws what it throws). A
 * loop that spins gets an error after 1,000 commands instead of blocking the test run forever.
 */
function scriptedStore(answer: (command: string, key: string) => unknown) {
	const commands: string[] = [];
	const call = async (command: string, key: string) => {
		commands.push(command);
		if (commands.length > 1000) throw new Error('more than 1,000 commands: the loop spins');
		return answer(command, key);
	};
	const store: ClaimStore = {
		setIfAbsent: async (key) => (await call('SET NX', key)) === true,
		get: async (key) => (await call('GET', key)) as string | null,
		put: async (key) => void (await call('SET', key)),
		removeIf: async (key) => void (await call('DEL', key)),
	};
	return { store, commands };
}

function windowOn(store: ClaimStore, options = {}, report: (m: string) => void = () => undefined) {
	return new SharedDeliveryWindow(() => store, { pollMs: 10, ...options }, report);
}

describe('SharedDeliveryWindow, the claim loop', () => {
	it('a server that answers nil to both SET NX and GET: pauses between looks and gives up at the deadline', async () => {
		const { store, commands } = scriptedStore((command) => (command === 'SET NX' ? false : null));
		const window = windowOn(store, { waitMs: 300, pollMs: 25 });
		const startedAt = Date.now();
		const claim = await window.claim('k', 60_000);
		const elapsed = Date.now() - startedAt;
		expect(claim.kind).toBe('undecided');
		expect(elapsed).toBeGreaterThanOrEqual(290);
		expect(elapsed).toBeLessThan(2000);
		// One SET NX and one GET per look, one look per pause: about 300 / 25 looks, not thousands.
		expect(commands.length).toBeLessThanOrEqual(2 * (300 / 25 + 2));
		expect(commands.length).toBeGreaterThanOrEqual(4);
	});

	it('a pending claim of another process: waits (pausing) for its outcome, then a duplicate once it is done', async () => {
		let holder = 'pending:other';
		const { store, commands } = scriptedStore((command) => (command === 'GET' ? holder : false));
		const window = windowOn(store, { waitMs: 5000, pollMs: 20 });
		setTimeout(() => (holder = 'done'), 150);
		const startedAt = Date.now();
		expect((await window.claim('k', 60_000)).kind).toBe('duplicate');
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
		expect(commands.length).toBeLessThan(40);
	});

	it('a claim released by its owner while waiting: this process takes it over', async () => {
		let free = false;
		const { store } = scriptedStore((command) =>
			command === 'SET NX' ? free : command === 'GET' ? 'pending:other' : undefined,
		);
		const window = windowOn(store);
		setTimeout(() => (free = true), 60);
		const claim = await window.claim('k', 60_000);
		expect(claim.kind).toBe('claimed');
	});

	it('settles: handed off marks the key done for the window, a failed hand-off removes only its own claim', async () => {
		const { store, commands } = scriptedStore((command) => command === 'SET NX');
		const window = windowOn(store);
		const first = await window.claim('k1', 60_000);
		const second = await window.claim('k2', 60_000);
		if (first.kind !== 'claimed' || second.kind !== 'claimed') throw new Error('not claimed');
		await first.settle(true);
		await second.settle(false);
		expect(commands).toEqual(['SET NX', 'SET NX', 'SET', 'DEL']);
	});

	it('a store that fails: unavailable at once, reported once per outage without the password, Redis left alone for a while, recovery reported', async () => {
		let failing = true;
		const { store, commands } = scriptedStore((command) => {
			if (failing) throw new Error('WRONGPASS for very-secret-password');
			return command === 'SET NX';
		});
		const reports: string[] = [];
		const window = new SharedDeliveryWindow(
			() => store,
			{ secret: 'very-secret-password', retryAfterMs: 200, where: 'redis://127.0.0.1:1/0' },
			(m) => reports.push(m),
		);
		const kinds: string[] = [];
		for (let i = 0; i < 5; i += 1) kinds.push((await window.claim(`d${i}`, 60_000)).kind);
		expect(kinds).toEqual(Array(5).fill('unavailable'));
		expect(commands).toHaveLength(1); // the other four did not even try
		expect(reports).toHaveLength(1);
		expect(reports[0]).toContain('WRONGPASS');
		expect(reports[0]).toContain('redis://127.0.0.1:1/0');
		expect(reports[0]).not.toContain('very-secret-password');
		failing = false;
		await sleep(250);
		expect((await window.claim('again', 60_000)).kind).toBe('claimed');
		expect(reports).toEqual([reports[0], expect.stringContaining('answers again')]);
	});

	it('a store that cannot even be opened (or reports errors of its own): unavailable, reported once', async () => {
		const reports: string[] = [];
		const unopenable = new SharedDeliveryWindow(
			() => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1')),
			{},
			(m) => reports.push(m),
		);
		expect((await unopenable.claim('x', 1000)).kind).toBe('unavailable');
		const { store } = scriptedStore(() => new Promise(() => undefined));
		const noisy = new SharedDeliveryWindow(
			(onError) => {
				onError(new Error('connect ETIMEDOUT'));
				onError(new Error('connect ETIMEDOUT'));
				return store;
			},
			{},
			(m) => reports.push(m),
		);
		void noisy.claim('y', 1000);
		await sleep(20);
		expect(reports).toEqual([
			expect.stringContaining('ECONNREFUSED'),
			expect.stringContaining('ETIMEDOUT'),
		]);
	});

	it('names keys <prefix>:transak:dedupe:<workflow>:<node>:<digest>, with a bounded length', () => {
		const window = windowOn(scriptedStore(() => null).store, { prefix: 'transak-test' });
		const key = window.keyFor(
			'wf-1',
			'node-1',
			`ORDER_COMPLETED\u0000${'x'.repeat(10_000)}\u0000COMPLETED`,
		);
		expect(key).toMatch(/^transak-test:transak:dedupe:wf-1:node-1:[0-9a-f]{40}$/);
		expect(window.keyFor('wf-1', 'node-1', 'a')).not.toBe(window.keyFor('wf-1', 'node-1', 'b'));
		expect(window.keyFor('wf/1 x', 'n:1', 'a')).toContain(':wf%2F1%20x:n%3A1:');
	});

	it('a store that stops answering, or answers slowly, cannot hold a delivery past the deadline', async () => {
		const never = scriptedStore(() => new Promise(() => undefined));
		const reports: string[] = [];
		let startedAt = Date.now();
		const silent = await windowOn(never.store, { waitMs: 100 }, (m) => reports.push(m)).claim(
			'k',
			1000,
		);
		expect(Date.now() - startedAt).toBeLessThan(400);
		expect(silent.kind).toBe('unavailable');
		expect(reports).toEqual([expect.stringContaining('no answer from Redis within')]);

		const slow = scriptedStore(async (command) => {
			await sleep(300);
			return command === 'SET NX' ? false : 'pending:other';
		});
		startedAt = Date.now();
		expect((await windowOn(slow.store, { waitMs: 100 }).claim('k', 1000)).kind).toBe('unavailable');
		expect(Date.now() - startedAt).toBeLessThan(280);
	});
});

// ---------------------------------------------------------------- ioredis, and only in queue mode

describe('ioredis for the window', () => {
	const constructed: Array<{ kind: string; args: unknown[] }> = [];
	/** The window module with ioredis replaced by a recorder (and whether it was ever loaded). */
	function withRecordedIoredis() {
		const loaded = { ioredis: false };
		// A fresh registry: the module loads ioredis later (on a claim), from this registry.
		jest.resetModules();
		jest.doMock('ioredis', () => {
			loaded.ioredis = true;
			class Client {
				status = 'ready';
				constructor(...args: unknown[]) {
					constructed.push({ kind: new.target.name, args });
				}
				on() {
					return this;
				}
				async set() {
					return 'OK';
				}
				disconnect() {}
			}
			class Cluster extends Client {}
			return { __esModule: true, default: Object.assign(Client, { Cluster }) };
		});
		const module =
			require('../../../../../nodes/Transak/webhook/sharedWindow') as typeof import('../../../../../nodes/Transak/webhook/sharedWindow');
		const store =
			require('../../../../../nodes/Transak/queue/redisStore') as typeof import('../../../../../nodes/Transak/queue/redisStore');
		return { loaded, module, store };
	}
	afterEach(() => {
		constructed.length = 0;
		jest.dontMock('ioredis');
	});

	const redis = (overrides: Partial<RedisSettings> = {}): RedisSettings => ({
		host: 'redis.internal',
		port: 6380,
		clusterNodes: [],
		db: 2,
		username: 'n8n',
		password: 'pw',
		tls: true,
		tlsServername: 'redis.example',
		rejectUnauthorized: false,
		dualStack: false,
		dnsLookup: 'lookup',
		prefix: 'bull',
		timeoutMs: 2000,
		...overrides,
	});

	it('one Redis: host, port, database, username, password and TLS as n8n sets them; every wait bounded', async () => {
		const { store: storeModule } = withRecordedIoredis();
		const store = await storeModule.openRedisStore(redis(), () => undefined);
		expect(await store.setIfAbsent('k', 'v', 1000)).toBe(true);
		expect(constructed).toEqual([
			{
				kind: 'Client',
				args: [
					expect.objectContaining({
						host: 'redis.internal',
						port: 6380,
						db: 2,
						username: 'n8n',
						password: 'pw',
						tls: { servername: 'redis.example', rejectUnauthorized: false },
						connectTimeout: 2000,
						commandTimeout: 2000,
						maxRetriesPerRequest: 0,
					}),
				],
			},
		]);
	});

	it('Redis Cluster: new Redis.Cluster(nodes, { redisOptions }) with the same credentials and TLS', async () => {
		const { store } = withRecordedIoredis();
		const nodes = [
			{ host: 'a', port: 7000 },
			{ host: 'b', port: 7001 },
		];
		await store.openRedisStore(redis({ clusterNodes: nodes }), () => undefined);
		expect(constructed).toEqual([
			{
				kind: 'Cluster',
				args: [
					nodes,
					expect.objectContaining({
						redisOptions: expect.objectContaining({
							username: 'n8n',
							password: 'pw',
							tls: { servername: 'redis.example', rejectUnauthorized: false },
							commandTimeout: 2000,
						}),
					}),
				],
			},
		]);
	});

	it('outside queue mode the trigger never loads ioredis; in queue mode it does, on the first delivery', async () => {
		const outside = withRecordedIoredis();
		expect(outside.module.sharedDeliveryWindow(() => undefined, {})).toBeUndefined();
		expect(outside.loaded.ioredis).toBe(false);
		const inside = withRecordedIoredis();
		const window = inside.module.sharedDeliveryWindow(() => undefined, {
			EXECUTIONS_MODE: 'queue',
		});
		expect(inside.loaded.ioredis).toBe(false); // not before a delivery needs it
		expect((await window!.claim('k', 1000)).kind).toBe('claimed');
		expect(inside.loaded.ioredis).toBe(true);
	});
});

describe('sharedDeliveryWindow', () => {
	it('nothing outside queue mode; an unusable setup is reported once; one window per Redis', () => {
		const reports: string[] = [];
		const report = (m: string) => reports.push(m);
		expect(sharedDeliveryWindow(report, {})).toBeUndefined();
		expect(reports).toEqual([]);
		const bad = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_CLUSTER_NODES: 'no-port' };
		expect(sharedDeliveryWindow(report, bad)).toBeUndefined();
		expect(sharedDeliveryWindow(report, bad)).toBeUndefined();
		expect(reports).toEqual([expect.stringContaining('CLUSTER_NODES')]);
		const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: '1' };
		expect(sharedDeliveryWindow(report, env)).toBe(sharedDeliveryWindow(report, env));
		expect(sharedDeliveryWindow(report, { ...env, QUEUE_BULL_REDIS_DB: '1' })).not.toBe(
			sharedDeliveryWindow(report, env),
		);
		const cluster = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:1,b:2' };
		expect(sharedDeliveryWindow(report, cluster)).toBeInstanceOf(SharedDeliveryWindow);
	});
});

// ---------------------------------------------------------------- the node outside queue mode

describe('Transak Trigger outside queue mode', () => {
	const accessToken = 'outside-queue-access-token-0123456789';

	it('never touches Redis, and a retry after a failed hand-off starts the workflow', async () => {
		expect(process.env.EXECUTIONS_MODE).not.toBe('queue');
		const a = nodeProcess();
		const workflowId = `wf-outside-${Date.now()}`;
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), accessToken);
		const first = await deliver(a, body, workflowId, { accessToken });
		expect(started(first)).toBe(true);
		const copy = deliver(a, body, workflowId, { accessToken });
		await sleep(30);
		first.response.n8nAnswers(500);
		const second = await copy;
		expect(started(second)).toBe(true);
		second.response.n8nAnswers(200);
		await sleep(10);
		expect(started(await deliver(a, body, workflowId, { accessToken }))).toBe(false);
		expect([...first.logs, ...second.logs].filter((l) => l.startsWith('warn'))).toEqual([]);
	});
});

describe('SharedDeliveryWindow, the claim loop against whatever a server answers (property)', () => {
	type Answer =
		| { kind: 'value'; value: unknown }
		| { kind: 'throw' }
		| { kind: 'slow'; ms: number; value: unknown };
	const reply = fc.oneof(
		fc.constantFrom<unknown>(
			null,
			'done',
			'DONE',
			'',
			'pending:other',
			'OK',
			true,
			false,
			0,
			1,
			[],
		),
		fc.anything({ maxDepth: 1 }),
	);
	const answer: fc.Arbitrary<Answer> = fc.oneof(
		{ weight: 6, arbitrary: reply.map((value) => ({ kind: 'value' as const, value })) },
		{ weight: 1, arbitrary: fc.constant({ kind: 'throw' as const }) },
		{
			weight: 2,
			arbitrary: fc
				.record({ ms: fc.integer({ min: 0, max: 30 }), value: reply })
				.map(({ ms, value }) => ({ kind: 'slow' as const, ms, value })),
		},
	);

	it('always ends by its deadline (plus one slow answer), pausing between looks, never throwing', async () => {
		const waitMs = 120;
		const pollMs = 15;
		await fc.assert(
			fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 8 }), async (script) => {
				const looks: number[] = [];
				let commands = 0;
				const next = async (): Promise<unknown> => {
					const step = script[commands % script.length];
					commands += 1;
					if (commands > 1000) throw new Error('more than 1,000 commands: the loop spins');
					if (step.kind === 'throw') throw new Error('ERR odd reply');
					if (step.kind === 'slow') await sleep(step.ms);
					return step.value;
				};
				const store = {
					setIfAbsent: async () => {
						looks.push(Date.now());
						return (await next()) as boolean;
					},
					get: async () => (await next()) as string | null,
					put: async () => undefined,
					removeIf: async () => undefined,
				};
				const window = new SharedDeliveryWindow(() => store, { waitMs, pollMs, retryAfterMs: 0 });
				const startedAt = Date.now();
				const claim = await window.claim('k', 60_000);
				const elapsed = Date.now() - startedAt;
				expect(['claimed', 'duplicate', 'undecided', 'unavailable']).toContain(claim.kind);
				// The deadline is checked after each look, and a look takes at most two slow answers.
				expect(elapsed).toBeLessThan(waitMs + pollMs + 2 * 30 + 100);
				expect(commands).toBeLessThanOrEqual(2 * (waitMs / pollMs + 2));
				for (let i = 1; i < looks.length; i += 1)
					expect(looks[i] - looks[i - 1]).toBeGreaterThanOrEqual(pollMs - 2);
			}),
			{ numRuns: 60 },
		);
	}, 60_000);
});
