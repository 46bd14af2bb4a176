/*
 * Cross-process de-duplication for the Transak Trigger in n8n's queue mode.
 *
 * In queue mode several `n8n webhook` processes answer the same webhook URL, each with its own
 * in-process window, so one delivery sent to two of them would start two executions. They share
 * n8n's Redis (the Bull queue), so each delivery key is claimed there:
 *
 *   SET <prefix>:transak:dedupe:<workflow>:<node>:<digest> <pending token> NX PX <pendingMs>
 *
 * The owner starts the workflow. Once n8n has answered the delivery with a 2xx (in queue mode n8n
 * answers only after the execution is in its queue) the owner marks the key `done` for the whole
 * window; if n8n answered anything else, or never answered, the owner deletes its claim so that a
 * retry starts the workflow. A process that finds the key `done` acknowledges without an
 * execution; one that finds it pending waits for the owner's outcome (bounded).
 *
 * Redis is reached with ioredis (the client n8n itself uses), loaded only in queue mode and
 * configured from the same QUEUE_BULL_REDIS_* settings n8n reads, Redis Cluster included. Every
 * command is bounded in time: anything that goes wrong (Redis down, slow, refusing, misconfigured)
 * answers `unavailable`, and the caller then accepts the delivery, because losing a genuine event
 * is worse than running it twice. Problems are reported once per outage, never with the password.
 */
import { createHash, randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import type { ClusterOptions, RedisOptions } from 'ioredis';

export interface RedisSettings {
	host: string;
	port: number;
	/** QUEUE_BULL_REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster (host and port then unused). */
	clusterNodes: Array<{ host: string; port: number }>;
	db: number;
	username?: string;
	password?: string;
	tls: boolean;
	tlsServername?: string;
	rejectUnauthorized: boolean;
	/** QUEUE_BULL_REDIS_DUALSTACK: resolve IPv4 and IPv6 addresses. */
	dualStack: boolean;
	/** n8n's QUEUE_BULL_PREFIX: keys live beside the queue's own. */
	prefix: string;
	/** Connect and per-command timeout. */
	timeoutMs: number;
}

export type SharedWindowSettings =
	{ enabled: true; redis: RedisSettings } | { enabled: false; reason: string };

export const DEFAULT_TIMEOUT_MS = 2000;
const NOT_QUEUE_MODE = 'n8n is not in queue mode';

type Env = Record<string, string | undefined>;

/** An n8n setting from the environment, or from the file named by `<NAME>_FILE` as n8n allows. */
function setting(env: Env, name: string): string | undefined {
	const direct = env[name];
	if (direct !== undefined && direct !== '') return direct;
	const file = env[`${name}_FILE`];
	if (file === undefined || file === '') return undefined;
	return readFileSync(file, 'utf8').trim();
}

function flag(value: string | undefined, fallback: boolean): boolean {
	if (value === undefined) return fallback;
	return value.trim().toLowerCase() === 'true';
}

const validPort = (port: number) => Number.isInteger(port) && port > 0 && port <= 65535;

/** `host:port,host:port` as n8n reads QUEUE_BULL_REDIS_CLUSTER_NODES; undefined if malformed. */
function clusterNodes(list: string): Array<{ host: string; port: number }> | undefined {
	const nodes = list
		.split(',')
		.map((pair) => pair.trim())
		.filter((pair) => pair.length > 0)
		.map((pair) => {
			const colon = pair.lastIndexOf(':');
			return { host: pair.slice(0, colon), port: Number(pair.slice(colon + 1)) };
		});
	return nodes.every((node) => node.host !== '' && validPort(node.port)) ? nodes : undefined;
}

/** Reads n8n's queue-mode Redis settings (the env variables n8n itself reads). */
export function sharedWindowSettings(env: Env = process.env): SharedWindowSettings {
	try {
		if (setting(env, 'EXECUTIONS_MODE') !== 'queue')
			return { enabled: false, reason: NOT_QUEUE_MODE };
		const port = Number(setting(env, 'QUEUE_BULL_REDIS_PORT') ?? 6379);
		const db = Number(setting(env, 'QUEUE_BULL_REDIS_DB') ?? 0);
		if (!validPort(port) || !Number.isInteger(db) || db < 0) {
			return {
				enabled: false,
				reason: 'QUEUE_BULL_REDIS_PORT or QUEUE_BULL_REDIS_DB is not a valid number',
			};
		}
		const nodes = clusterNodes(setting(env, 'QUEUE_BULL_REDIS_CLUSTER_NODES') ?? '');
		if (nodes === undefined) {
			return {
				enabled: false,
				reason: 'QUEUE_BULL_REDIS_CLUSTER_NODES is not a list of host:port',
			};
		}
		return {
			enabled: true,
			redis: {
				host: setting(env, 'QUEUE_BULL_REDIS_HOST') ?? 'localhost',
				port,
				clusterNodes: nodes,
				db,
				username: setting(env, 'QUEUE_BULL_REDIS_USERNAME') || undefined,
				password: setting(env, 'QUEUE_BULL_REDIS_PASSWORD') || undefined,
				tls: flag(setting(env, 'QUEUE_BULL_REDIS_TLS'), false),
				tlsServername: setting(env, 'QUEUE_BULL_REDIS_TLS_SERVERNAME') || undefined,
				rejectUnauthorized: flag(setting(env, 'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE'), true),
				dualStack: flag(setting(env, 'QUEUE_BULL_REDIS_DUALSTACK'), false),
				prefix: setting(env, 'QUEUE_BULL_PREFIX') ?? 'bull',
				timeoutMs: DEFAULT_TIMEOUT_MS,
			},
		};
	} catch (error) {
		// A `_FILE` that cannot be read: say which kind of problem, not the path or its content.
		return {
			enabled: false,
			reason: `n8n's Redis settings could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
		};
	}
}

/** Where Redis is, for log lines: never with a username or password. */
export function describeRedis(redis: RedisSettings): string {
	const scheme = redis.tls ? 'rediss' : 'redis';
	if (redis.clusterNodes.length > 0)
		return `${scheme} cluster ${redis.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
	return `${scheme}://${redis.host}:${redis.port}/${redis.db}`;
}

// ---------------------------------------------------------------- the store

/** The few Redis commands the window uses: ioredis's (below), or a test's. */
export interface ClaimStore {
	/** `SET key value NX PX ttlMs`: true when the key was free and is now set. */
	setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
	get(key: string): Promise<string | null>;
	/** `SET key value PX ttlMs`. */
	put(key: string, value: string, ttlMs: number): Promise<void>;
	/** Deletes the key if it still holds `value` (atomically: another owner's claim is kept). */
	removeIf(key: string, value: string): Promise<void>;
	close(): void;
}

/** Deletes KEYS[1] only while it holds ARGV[1]. */
const REMOVE_IF = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** Client states in which a command would only wait: fail it at once instead. */
const DISCONNECTED = new Set(['reconnecting', 'close', 'end']);

class RedisTimeoutError extends Error {
	readonly code = 'ETIMEDOUT';
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
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
	const client =
		redis.clusterNodes.length > 0
			? new Redis.Cluster(redis.clusterNodes, {
					// A cluster has database 0 only; one-key commands need no hash tag in the prefix.
					redisOptions: options,
					enableOfflineQueue,
					clusterRetryStrategy: reconnect,
					slotsRefreshTimeout: redis.timeoutMs,
				} satisfies ClusterOptions)
			: new Redis({
					...options,
					host: redis.host,
					port: redis.port,
					db: redis.db,
					enableOfflineQueue,
					retryStrategy: reconnect,
				});
	client.on('error', onError);
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
		close: () => client.disconnect(),
	};
}

// ---------------------------------------------------------------- the shared window

export type Claim =
	/** This process owns the delivery: start the workflow, then report how n8n's hand-off went. */
	| { kind: 'claimed'; settle(handedOff: boolean): Promise<void> }
	/** Another process (or an earlier delivery) already handed this delivery to n8n. */
	| { kind: 'duplicate' }
	/** Another process still holds it after the wait: accept, a duplicate is better than a loss. */
	| { kind: 'undecided' }
	/** Redis is not usable: accept without a cross-process guarantee. */
	| { kind: 'unavailable'; reason: string };

export interface SharedWindowOptions {
	/** QUEUE_BULL_PREFIX. */
	prefix?: string;
	/** Where Redis is, for log lines. */
	where?: string;
	/** Text that never appears in a log line (the password). */
	secret?: string;
	/** How long a claim lives before its owner reports; covers an owner that crashed. */
	pendingMs?: number;
	/** How long a copy waits for another process's pending claim before accepting. */
	waitMs?: number;
	/** Pause between looks at a pending claim. */
	pollMs?: number;
	/** After a failure, Redis is left alone this long (deliveries are accepted meanwhile). */
	retryAfterMs?: number;
}

export type ProblemLog = (message: string) => void;

const DONE = 'done';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A delivery window shared through one Redis by every process of an n8n installation. */
export class SharedDeliveryWindow {
	private store: Promise<ClaimStore> | undefined;
	private pausedUntil = 0;
	private healthy = true;
	private readonly prefix: string;
	private readonly where: string;
	private readonly pendingMs: number;
	private readonly waitMs: number;
	private readonly pollMs: number;
	private readonly retryAfterMs: number;

	/** `open` connects the store; its errors are reported once per outage like any other. */
	constructor(
		private readonly open: (onError: (error: Error) => void) => Promise<ClaimStore> | ClaimStore,
		private readonly options: SharedWindowOptions = {},
		private report: ProblemLog = () => undefined,
	) {
		this.prefix = options.prefix ?? 'bull';
		this.where = options.where ?? 'Redis';
		this.pendingMs = options.pendingMs ?? 60_000;
		this.waitMs = options.waitMs ?? 10_000;
		this.pollMs = options.pollMs ?? 20;
		this.retryAfterMs = options.retryAfterMs ?? 5_000;
	}

	/** Where problems are reported (n8n's logger of the latest caller). */
	setReporter(report: ProblemLog): void {
		this.report = report;
	}

	/** The Redis key of a delivery: fixed length, whatever the sender put in the ids. */
	keyFor(workflowId: string, nodeId: string, deliveryKey: string): string {
		const digest = createHash('sha256').update(deliveryKey).digest('hex').slice(0, 40);
		return `${this.prefix}:transak:dedupe:${encodeURIComponent(workflowId)}:${encodeURIComponent(nodeId)}:${digest}`;
	}

	/**
	 * Claims `key` for this process, or tells who has it. Never throws, and never polls without
	 * pausing or past its deadline, whatever Redis answers.
	 */
	async claim(key: string, windowMs: number): Promise<Claim> {
		if (Date.now() < this.pausedUntil)
			return { kind: 'unavailable', reason: 'Redis failed recently' };
		const token = `pending:${process.pid}:${randomBytes(9).toString('base64url')}`;
		const deadline = Date.now() + this.waitMs;
		try {
			const store = await this.connect();
			for (;;) {
				if (await store.setIfAbsent(key, token, this.pendingMs)) {
					this.recovered();
					return {
						kind: 'claimed',
						settle: (handedOff) => this.settle(key, token, handedOff, windowMs),
					};
				}
				const holder = await store.get(key);
				this.recovered();
				if (holder === DONE) return { kind: 'duplicate' };
				// Another process's pending claim, or none any more (released or expired between the
				// two commands): look again after a pause.
				if (Date.now() >= deadline) return { kind: 'undecided' };
				await sleep(this.pollMs);
			}
		} catch (error) {
			return this.unavailable(error as Error);
		}
	}

	/** Closes the connection (tests; n8n itself never needs to). */
	close(): void {
		const store = this.store;
		this.store = undefined;
		void store?.then(
			(s) => s.close(),
			() => undefined,
		);
	}

	private async settle(
		key: string,
		token: string,
		handedOff: boolean,
		windowMs: number,
	): Promise<void> {
		try {
			const store = await this.connect();
			// Handed off: the execution is in n8n's queue, every later copy within the window is a
			// repeat. Not: only our own claim goes (it may have expired and been taken meanwhile).
			if (handedOff) await store.put(key, DONE, Math.max(1, Math.round(windowMs)));
			else await store.removeIf(key, token);
			this.recovered();
		} catch (error) {
			// A confirm that failed lets a later copy start the workflow again once the pending claim
			// expires; a release that failed delays a retry by at most pendingMs. Neither loses an event.
			this.unavailable(error as Error);
		}
	}

	private connect(): Promise<ClaimStore> {
		if (this.store === undefined) {
			const opening = Promise.resolve().then(() => this.open((error) => this.problem(error)));
			this.store = opening;
			opening.catch(() => {
				if (this.store === opening) this.store = undefined;
			});
		}
		return this.store;
	}

	private recovered(): void {
		if (this.healthy) return;
		this.healthy = true;
		this.report(
			`Transak Trigger: n8n's Redis at ${this.where} answers again; de-duplication across processes is back on`,
		);
	}

	/** Reports a problem once per outage. */
	private problem(error: Error): string {
		const reason = describeError(error, this.options.secret);
		if (this.healthy) {
			this.healthy = false;
			this.report(
				`Transak Trigger: n8n's Redis at ${this.where} cannot be used for de-duplication across processes (${reason}); ` +
					"deliveries are accepted with this process's window only until it answers again",
			);
		}
		return reason;
	}

	private unavailable(error: Error): Claim {
		this.pausedUntil = Date.now() + this.retryAfterMs;
		return { kind: 'unavailable', reason: this.problem(error) };
	}
}

/** A short reason without secrets: an error code, or the first words of Redis's error reply. */
function describeError(error: Error, secret: string | undefined): string {
	const code = (error as NodeJS.ErrnoException).code;
	const message = String(error.message ?? error);
	let text =
		code !== undefined && code !== '' && !message.includes(code) ? `${code}: ${message}` : message;
	if (secret !== undefined && secret.length > 0) text = text.split(secret).join('[redacted]');
	return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

// ---------------------------------------------------------------- one window per Redis

const windows = new Map<string, SharedDeliveryWindow>();
const reportedSetups = new Set<string>();

/** Opens the store of a window: ioredis for n8n's Redis (a test gives its own). */
export type StoreOpener = (
	redis: RedisSettings,
	onError: (error: Error) => void,
) => Promise<ClaimStore> | ClaimStore;

/**
 * The process's shared window for n8n's Redis, or undefined when there is none to share (not in
 * queue mode, or settings that cannot be used; the latter is reported once). ioredis is loaded
 * on the first claim, never outside queue mode.
 */
export function sharedDeliveryWindow(
	report: ProblemLog,
	env: Env = process.env,
	open: StoreOpener = openRedisStore,
): SharedDeliveryWindow | undefined {
	const settings = cachedSettings(env);
	if (!settings.enabled) {
		if (settings.reason !== NOT_QUEUE_MODE && !reportedSetups.has(settings.reason)) {
			reportedSetups.add(settings.reason);
			report(
				`Transak Trigger: no de-duplication across processes: ${settings.reason}; each process keeps its own window`,
			);
		}
		return undefined;
	}
	const { redis } = settings;
	const id = JSON.stringify({ ...redis, password: hash(redis.password ?? '') });
	let window = windows.get(id);
	if (window === undefined) {
		window = new SharedDeliveryWindow(
			(onError) => open(redis, onError),
			{ prefix: redis.prefix, where: describeRedis(redis), secret: redis.password },
			report,
		);
		windows.set(id, window);
	} else {
		window.setReporter(report);
	}
	return window;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

const SETTING_NAMES = [
	'EXECUTIONS_MODE',
	'QUEUE_BULL_REDIS_CLUSTER_NODES',
	'QUEUE_BULL_REDIS_HOST',
	'QUEUE_BULL_REDIS_PORT',
	'QUEUE_BULL_REDIS_DB',
	'QUEUE_BULL_REDIS_USERNAME',
	'QUEUE_BULL_REDIS_PASSWORD',
	'QUEUE_BULL_REDIS_TLS',
	'QUEUE_BULL_REDIS_TLS_SERVERNAME',
	'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE',
	'QUEUE_BULL_REDIS_DUALSTACK',
	'QUEUE_BULL_PREFIX',
];
const settingsCache = new Map<string, SharedWindowSettings>();

/** The settings for this environment, read (files included) once rather than per delivery. */
function cachedSettings(env: Env): SharedWindowSettings {
	const id = JSON.stringify(
		SETTING_NAMES.flatMap((name) => [env[name] ?? null, env[`${name}_FILE`] ?? null]),
	);
	let settings = settingsCache.get(id);
	if (settings === undefined) {
		settings = sharedWindowSettings(env);
		if (settingsCache.size > 16) settingsCache.clear();
		settingsCache.set(id, settings);
	}
	return settings;
}

/** Closes every connection and forgets every window (tests). */
export function closeSharedWindows(): void {
	for (const window of windows.values()) window.close();
	windows.clear();
	reportedSetups.clear();
	settingsCache.clear();
}
