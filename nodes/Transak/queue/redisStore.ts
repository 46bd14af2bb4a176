/**
 * The few Redis commands the shared window needs, on ioredis (the client n8n itself uses). ioredis
 * is loaded here, on the first claim: only n8n's queue mode gets this far.
 */
import type { ClusterOptions, RedisOptions } from 'ioredis';

import type { RedisSettings } from './redisSettings';

/** The few Redis commands the window uses: ioredis's (below), or a test's. */
export interface ClaimStore {
	/** `SET key value NX PX ttlMs`: true when the key was free and is now set. */
	setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
	get(key: string): Promise<string | null>;
	/** `SET key value PX ttlMs`. */
	put(key: string, value: string, ttlMs: number): Promise<void>;
	/** Deletes the key if it still holds `value` (atomically: another owner's claim is kept). */
	removeIf(key: string, value: string): Promise<void>;
}

/** Opens a store on n8n's Redis: ioredis (openRedisStore below), or a test's. */
export type StoreOpener = (
	redis: RedisSettings,
	onError: (error: Error) => void,
) => Promise<ClaimStore> | ClaimStore;

/** A short reason without secrets: an error code, or the first words of Redis's error reply. */
export function describeRedisError(error: unknown, secret: string | undefined): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	const message = String((error as Error | undefined)?.message ?? error);
	let text =
		code !== undefined && code !== '' && !message.includes(code) ? `${code}: ${message}` : message;
	// Any length, and URL-encoded too (a redis:// URL): a Redis password may be short, unlike the
	// tokens text/secrets.ts masks.
	if (secret !== undefined && secret.length > 0) {
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			text = text.split(form).join('[redacted]');
		}
	}
	return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** Deletes KEYS[1] only while it holds ARGV[1]. */
const REMOVE_IF = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** Client states in which a command would only wait: fail it at once instead. */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

class RedisTimeoutError extends Error {
	readonly code = 'ETIMEDOUT';
}

/**
 * ioredis listens once for a socket's `error`, but a TLS socket whose handshake fails can emit a
 * second one (the server's alert that follows a refused certificate), which Node would then throw
 * out of the n8n process. Every socket that reported an error keeps a listener for later ones.
 */
const guardedSockets = new WeakSet<object>();
function keepLaterSocketErrors(sockets: Iterable<{ on(e: 'error', f: () => void): unknown }>) {
	for (const socket of sockets) {
		if (!socket || guardedSockets.has(socket)) continue;
		guardedSockets.add(socket);
		socket.on('error', () => undefined);
	}
}

/** `promise`, or a timeout error once `ms` have passed without its answer. */
export function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new RedisTimeoutError(`no answer from Redis within ${ms} ms`)),
			ms,
		);
		// A command under way must not keep a stopping process alive.
		timer.unref();
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}

/**
 * A ClaimStore on ioredis, loaded here (only n8n's queue mode gets this far). A dead or slow
 * Redis never holds a delivery for long: connect and command timeouts, no retries of a command
 * and, while the connection is lost, an immediate failure; it reconnects in the background.
 * `onError` gets the connection's errors (ioredis prints them itself without a listener).
 */
export async function openRedisStore(
	redis: RedisSettings,
	onError: (error: Error) => void,
): Promise<ClaimStore> {
	const { default: Redis } = await import('ioredis');
	const reconnect = (attempts: number) => Math.min(attempts * 250, 2000);
	// The offline queue stays on so that the first claims wait for the first connection (bounded by
	// the connect timeout); once a connection is lost, `run` below fails commands at once instead.
	const enableOfflineQueue = true;
	const options: RedisOptions = {
		// Named, so that `CLIENT LIST` tells this package's connection from n8n's own.
		connectionName: 'n8n-nodes-transak',
		username: redis.username,
		password: redis.password,
		connectTimeout: redis.timeoutMs,
		commandTimeout: redis.timeoutMs,
		maxRetriesPerRequest: 0,
		enableReadyCheck: false,
		...(redis.dualStack ? { family: 0 } : {}),
		...(redis.tls
			? {
					tls: {
						servername: redis.tlsServername,
						rejectUnauthorized: redis.rejectUnauthorized,
					},
				}
			: {}),
	};
	const cluster = redis.clusterNodes.length > 0;
	const client = cluster
		? new Redis.Cluster(redis.clusterNodes, {
				// A cluster has database 0 only; one-key commands need no hash tag in the prefix.
				redisOptions: options,
				enableOfflineQueue,
				clusterRetryStrategy: reconnect,
				slotsRefreshTimeout: redis.timeoutMs,
				// As n8n does for `NONE`: TLS then checks the certificate against the name given.
				...(redis.dnsLookup === 'none'
					? {
							dnsLookup: (address: string, lookup: (e: null, a: string) => void) =>
								lookup(null, address),
						}
					: {}),
			} satisfies ClusterOptions)
		: new Redis({
				...options,
				host: redis.host,
				port: redis.port,
				db: redis.db,
				enableOfflineQueue,
				retryStrategy: reconnect,
			});
	const sockets = () =>
		client instanceof Redis.Cluster ? client.nodes().map((node) => node.stream) : [client.stream];
	client.on('error', (error: Error) => {
		keepLaterSocketErrors(sockets());
		onError(error);
	});
	// A cluster reports its nodes' socket errors apart (and reconnects itself).
	if (cluster) client.on('node error', () => keepLaterSocketErrors(sockets()));
	const run = <T>(command: () => Promise<T>): Promise<T> => {
		if (DISCONNECTED.has(client.status))
			return Promise.reject(new Error(`connection lost (${client.status})`));
		return bounded(command(), redis.timeoutMs);
	};
	return {
		setIfAbsent: async (key, value, ttlMs) =>
			(await run(() => client.set(key, value, 'PX', ttlMs, 'NX'))) === 'OK',
		get: (key) => run(() => client.get(key)),
		put: async (key, value, ttlMs) => {
			await run(() => client.set(key, value, 'PX', ttlMs));
		},
		removeIf: async (key, value) => {
			await run(() => client.eval(REMOVE_IF, 1, key, value));
		},
	};
}
