/**
 * One token refresh across n8n's processes (nodes/Transak/queue/refreshLock.ts), against an
 * in-memory store with Redis's semantics (SET NX PX, GET, SET PX, compare-and-delete). Each
 * "process" is a fresh copy of the module, as separate n8n processes have; the real redis-server
 * with two n8n workers is in the queue suite (test/queue/token-rotation.queue.test.ts).
 */
import type { ClaimStore } from '../../../../../nodes/Transak/queue/redisStore';
import type * as RefreshLock from '../../../../../nodes/Transak/queue/refreshLock';

const QUEUE = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: '127.0.0.1' };
const SCOPE = { digest: 'd'.repeat(64), apiKey: 'api-key-1', apiSecret: 'api-secret-1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis's few commands in memory, with expiry; `down` makes every command fail. */
function memoryRedis() {
	const values = new Map<string, { value: string; until: number }>();
	const live = (key: string) => {
		const entry = values.get(key);
		if (entry && entry.until > Date.now()) return entry.value;
		values.delete(key);
		return null;
	};
	const state = { down: false, commands: 0 };
	const guard = async () => {
		state.commands += 1;
		await sleep(1);
		if (state.down)
			throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
	};
	const store: ClaimStore = {
		async setIfAbsent(key, value, ttlMs) {
			await guard();
			if (live(key) !== null) return false;
			values.set(key, { value, until: Date.now() + ttlMs });
			return true;
		},
		async get(key) {
			await guard();
			return live(key);
		},
		async put(key, value, ttlMs) {
			await guard();
			values.set(key, { value, until: Date.now() + ttlMs });
		},
		async removeIf(key, value) {
			await guard();
			if (live(key) === value) values.delete(key);
		},
	};
	return { store, values, state };
}

const warnings: string[] = [];
const logger = {
	error: () => undefined,
	warn: (message: string) => warnings.push(message),
	info: () => undefined,
	debug: () => undefined,
} as never;
/** A fresh copy of the module: one n8n process. */
function processCopy(): typeof RefreshLock {
	let copy!: typeof RefreshLock;
	jest.isolateModules(() => {
		copy = jest.requireActual('../../../../../nodes/Transak/queue/refreshLock');
		// n8n gives each process's LoggerProxy its logger; here the test's warnings list.
		jest.requireActual<typeof import('n8n-workflow')>('n8n-workflow').LoggerProxy.init(logger);
	});
	return copy;
}

/** Transak's refresh endpoint: counts calls, answers after `ms` with a new token each time. */
function transak(ms = 50, fail = false) {
	let calls = 0;
	const refresh = async () => {
		calls += 1;
		await sleep(ms);
		if (fail) throw new Error('Transak refused to refresh the access token (HTTP 401)');
		return { token: `token-${calls}`, until: Date.now() + 3_600_000 };
	};
	return { refresh, calls: () => calls };
}

beforeEach(() => {
	warnings.length = 0;
});

describe('refreshOnceAcrossProcesses', () => {
	it('40 concurrent refreshes in two processes: Transak refreshes once, every caller gets its token', async () => {
		const redis = memoryRedis();
		const api = transak();
		const processes = [processCopy(), processCopy()];
		const results = await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				processes[i % 2].refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store),
			),
		);
		expect(api.calls()).toBe(1);
		expect(new Set(results.map((r) => r.token))).toEqual(new Set(['token-1']));
		// The lock is gone; the result stays, sealed: no token in Redis in clear.
		expect([...redis.values.keys()].some((k) => k.endsWith(':lock'))).toBe(false);
		expect([...redis.values.values()].map((v) => v.value).join()).not.toContain('token-1');
	});

	it('a process that comes after the refresh takes its result, without refreshing again', async () => {
		const redis = memoryRedis();
		const api = transak();
		const [first, later] = [processCopy(), processCopy()];
		const a = await first.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store);
		const b = await later.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store);
		expect(b).toEqual(a);
		expect(api.calls()).toBe(1);
	});

	it('another refused token (another digest) is refreshed on its own', async () => {
		const redis = memoryRedis();
		const api = transak();
		const p = processCopy();
		await p.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store);
		const next = { ...SCOPE, digest: 'e'.repeat(64) };
		expect(
			(await p.refreshOnceAcrossProcesses(next, api.refresh, QUEUE, () => redis.store)).token,
		).toBe('token-2');
	});

	it('a failed refresh: the waiting processes get the verdict instead of refreshing again', async () => {
		const redis = memoryRedis();
		const api = transak(50, true);
		const [a, b] = [processCopy(), processCopy()];
		const outcomes = await Promise.allSettled([
			a.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store),
			b.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store),
			b.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store),
		]);
		expect(api.calls()).toBe(1);
		expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
		const reasons = outcomes.map((o) => (o as PromiseRejectedResult).reason);
		expect(
			reasons.filter(
				(r) => r instanceof b.OtherProcessRefreshFailed || r instanceof a.OtherProcessRefreshFailed,
			),
		).toHaveLength(2);
	});

	it('Redis down: each process refreshes on its own (as without queue mode) and warns once', async () => {
		const redis = memoryRedis();
		redis.state.down = true;
		const api = transak(5);
		const p = processCopy();
		const first = await p.refreshOnceAcrossProcesses(SCOPE, api.refresh, QUEUE, () => redis.store);
		const second = await p.refreshOnceAcrossProcesses(
			{ ...SCOPE, digest: 'f'.repeat(64) },
			api.refresh,
			QUEUE,
			() => redis.store,
		);
		expect([first.token, second.token]).toEqual(['token-1', 'token-2']);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/cannot coordinate token refreshes.*ECONNREFUSED/);
	});

	it('not in queue mode: refreshes at once and opens no Redis', async () => {
		const api = transak(1);
		const open = jest.fn();
		const p = processCopy();
		const result = await p.refreshOnceAcrossProcesses(SCOPE, api.refresh, {}, open);
		expect(result.token).toBe('token-1');
		expect(open).not.toHaveBeenCalled();
	});
});

describe('sealed results', () => {
	const { seal, unseal } = processCopy();
	const result = { token: 'eyJ.secret-token', until: 1_900_000_000_000 };

	it('open only with the same API key and secret, for the same refused token', () => {
		const sealed = seal(SCOPE, result);
		expect(sealed).not.toContain('secret-token');
		expect(unseal(SCOPE, sealed)).toEqual(result);
		expect(unseal({ ...SCOPE, apiSecret: 'another' }, sealed)).toBeUndefined();
		expect(unseal({ ...SCOPE, apiKey: 'another' }, sealed)).toBeUndefined();
		expect(unseal({ ...SCOPE, digest: 'x' }, sealed)).toBeUndefined();
	});

	it('anything else in Redis is no result', () => {
		const sealed = seal(SCOPE, result);
		const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
		for (const value of [altered, 'failed', '', 'v1.a.b.c', 'x'.repeat(10_000), '{"token":"t"}'])
			expect(unseal(SCOPE, value)).toBeUndefined();
	});
});
