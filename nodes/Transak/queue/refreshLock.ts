/**
 * One token refresh across n8n's processes (queue mode). Every Transak refresh invalidates the
 * previous token, so two workers that meet the expired token at once must not both refresh: the
 * second would invalidate the first one's new token. The first process to take a short lock in
 * n8n's Redis refreshes; the others wait and take its result, which it leaves in Redis encrypted
 * with a key derived from the credential's API secret (only a process that could refresh can read
 * it). Without queue mode, or when Redis cannot be used, the caller refreshes as a single process
 * does (and the problem is logged once per outage).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'crypto';
import { LoggerProxy, sleep } from 'n8n-workflow';

import { cachedSettings, describeRedis, type Env, type RedisSettings } from './redisSettings';
import {
	describeRedisError,
	openRedisStore,
	type ClaimStore,
	type StoreOpener,
} from './redisStore';

/** What a refresh gives: the new token and until when it answers for the token it replaced. */
export interface RefreshResult {
	token: string;
	until: number;
}

/** Longest a refresh may hold the lock (Transak answers in well under a second). */
export const LOCK_MS = 30_000;
/** How long waiting processes keep a failed refresh's verdict (as the in-process failure cache). */
const FAILED_MS = 30_000;
const POLL_MS = 100;
const FAILED = 'failed';

export class OtherProcessRefreshFailed extends Error {}

/** The cluster-wide part of a refresh: where its lock and result live, and how results are sealed. */
export interface RefreshScope {
	/** A digest that names the refused token (API base URL, key, token, secret); never a secret. */
	digest: string;
	/** The credential's API key and secret: the sealing key is derived from them. */
	apiKey: string;
	apiSecret: string;
}

function sealingKey(scope: RefreshScope): Buffer {
	return createHmac('sha256', scope.apiSecret)
		.update(`n8n-nodes-transak refreshed token\n${scope.apiKey}`)
		.digest();
}

/** AES-256-GCM over the result, bound to the refused token's digest. */
export function seal(scope: RefreshScope, result: RefreshResult): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', sealingKey(scope), iv);
	cipher.setAAD(Buffer.from(scope.digest));
	const plain = JSON.stringify({ token: result.token, until: result.until });
	const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
	return ['v1', iv, cipher.getAuthTag(), body]
		.map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
		.join('.');
}

/** The result `seal` wrapped, or undefined for anything else (another key, altered, not ours). */
export function unseal(scope: RefreshScope, sealed: string): RefreshResult | undefined {
	const parts = sealed.split('.');
	if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
	try {
		const [iv, tag, body] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
		const decipher = createDecipheriv('aes-256-gcm', sealingKey(scope), iv);
		decipher.setAAD(Buffer.from(scope.digest));
		decipher.setAuthTag(tag);
		const opened: unknown = JSON.parse(
			Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'),
		);
		const { token, until } = (opened ?? {}) as Partial<RefreshResult>;
		if (typeof token !== 'string' || token === '' || typeof until !== 'number') return undefined;
		return { token, until };
	} catch {
		return undefined;
	}
}

// ---------------------------------------------------------------- one store per Redis

const stores = new WeakMap<RedisSettings, Promise<ClaimStore>>();
/** Redis settings whose current outage was logged. */
const reported = new WeakSet<RedisSettings>();

function warnOnce(redis: RedisSettings, reason: string): void {
	if (reported.has(redis)) return;
	reported.add(redis);
	LoggerProxy.warn(
		`Transak: n8n's Redis at ${describeRedis(redis)} cannot coordinate token refreshes across processes (${reason}); this process refreshes on its own until it answers again`,
	);
}

function storeFor(redis: RedisSettings, open: StoreOpener): Promise<ClaimStore> {
	let store = stores.get(redis);
	if (store === undefined) {
		store = Promise.resolve().then(() => open(redis, () => undefined));
		stores.set(redis, store);
		store.catch(() => stores.delete(redis));
	}
	return store;
}

/**
 * Runs `refresh` once across n8n's processes for the token `scope` names, or as this process
 * alone when not in queue mode or when Redis cannot be used.
 */
export async function refreshOnceAcrossProcesses(
	scope: RefreshScope,
	refresh: () => Promise<RefreshResult>,
	env: Env | undefined = undefined,
	open: StoreOpener = openRedisStore,
): Promise<RefreshResult> {
	const settings = cachedSettings(env);
	if (!settings.enabled) return await refresh();
	const { redis } = settings;
	const base = `${redis.prefix}:transak:refresh:${scope.digest}`;
	const [lockKey, resultKey] = [`${base}:lock`, `${base}:result`];
	const owner = randomBytes(12).toString('base64url');
	const turn = await whoseTurn(scope, redis, open, lockKey, resultKey, owner).catch(
		(error: unknown): Turn => ({
			kind: 'unavailable',
			reason: describeRedisError(error, redis.password),
		}),
	);
	switch (turn.kind) {
		case 'done':
			reported.delete(redis);
			return turn.result;
		case 'failed':
			throw new OtherProcessRefreshFailed();
		case 'unavailable':
			warnOnce(redis, turn.reason);
			return await refresh();
		case 'stale':
			// A lock held longer than any refresh takes: its owner died; refresh here.
			return await refresh();
		case 'locked':
			break;
	}
	reported.delete(redis);
	const { store } = turn;
	return await refresh()
		.then(
			async (result) => {
				await store
					.put(resultKey, seal(scope, result), Math.max(1_000, result.until - Date.now()))
					.catch((error: unknown) => warnOnce(redis, describeRedisError(error, redis.password)));
				return result;
			},
			async (error: unknown) => {
				await store.put(resultKey, FAILED, FAILED_MS).catch(() => undefined);
				return await Promise.reject(error);
			},
		)
		.finally(() => store.removeIf(lockKey, owner).catch(() => undefined));
}

type Turn =
	| { kind: 'done'; result: RefreshResult }
	| { kind: 'failed' }
	| { kind: 'unavailable'; reason: string }
	| { kind: 'stale' }
	| { kind: 'locked'; store: ClaimStore };

/** Waits until another process's result is there, or this process holds the lock. */
async function whoseTurn(
	scope: RefreshScope,
	redis: RedisSettings,
	open: StoreOpener,
	lockKey: string,
	resultKey: string,
	owner: string,
): Promise<Turn> {
	const store = await storeFor(redis, open);
	const deadline = Date.now() + LOCK_MS + 5_000;
	for (;;) {
		const result = await store.get(resultKey);
		if (result === FAILED) return { kind: 'failed' };
		const done = result === null ? undefined : unseal(scope, result);
		if (done !== undefined) return { kind: 'done', result: done };
		if (await store.setIfAbsent(lockKey, owner, LOCK_MS)) return { kind: 'locked', store };
		if (Date.now() > deadline) return { kind: 'stale' };
		await sleep(POLL_MS);
	}
}
