/*
 * Cross-process de-duplication for the Transak Trigger in n8n's queue mode.
 *
 * In queue mode several `n8n webhook` processes answer the same webhook URL, each with its own
 * in-process window (dedupe.ts), so one delivery sent to two of them would start two executions.
 * They already share n8n's Redis (the Bull queue), so each delivery key is claimed there:
 *
 *   SET <prefix>:transak:dedupe:<workflow>:<node>:<digest> <pending token> NX PX <pendingMs>
 *
 * The owner starts the workflow. Once n8n has answered the delivery with a 2xx (in queue mode n8n
 * answers only after the execution is in its queue) the owner marks the key `done` for the whole
 * window; if n8n answered anything else, or never answered, the owner deletes its claim so that a
 * retry starts the workflow. A process that finds the key `done` acknowledges without an
 * execution; one that finds it pending waits for the owner's outcome (bounded).
 *
 * No new dependency: a minimal RESP2 client on node:net / node:tls, one pipelined connection per
 * process and Redis, AUTH and SELECT, a short timeout. Anything that goes wrong (Redis down, a
 * timeout, an error reply, a setup this client cannot do) answers `unavailable`: the caller then
 * accepts the delivery, because losing a genuine event is worse than running it twice. Problems
 * are reported once per outage, never with the password.
 */
import { createHash, randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import * as net from 'net';
import * as tls from 'tls';

export interface RedisSettings {
	host: string;
	port: number;
	db: number;
	username?: string;
	password?: string;
	tls: boolean;
	tlsServername?: string;
	rejectUnauthorized: boolean;
	/** n8n's QUEUE_BULL_PREFIX: keys live beside the queue's own. */
	prefix: string;
	/** Connect and per-command timeout. */
	timeoutMs: number;
}

export type SharedWindowSettings =
	{ enabled: true; redis: RedisSettings } | { enabled: false; reason: string };

export const DEFAULT_TIMEOUT_MS = 2000;

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

/** Reads n8n's queue-mode Redis settings (the env variables n8n itself reads). */
export function sharedWindowSettings(env: Env = process.env): SharedWindowSettings {
	try {
		if (setting(env, 'EXECUTIONS_MODE') !== 'queue')
			return { enabled: false, reason: 'n8n is not in queue mode' };
		if ((setting(env, 'QUEUE_BULL_REDIS_CLUSTER_NODES') ?? '').trim() !== '') {
			return {
				enabled: false,
				reason: 'Redis cluster mode (QUEUE_BULL_REDIS_CLUSTER_NODES) is not supported',
			};
		}
		const port = Number(setting(env, 'QUEUE_BULL_REDIS_PORT') ?? 6379);
		const db = Number(setting(env, 'QUEUE_BULL_REDIS_DB') ?? 0);
		if (!Number.isInteger(port) || port <= 0 || port > 65535 || !Number.isInteger(db) || db < 0) {
			return {
				enabled: false,
				reason: 'QUEUE_BULL_REDIS_PORT or QUEUE_BULL_REDIS_DB is not a valid number',
			};
		}
		const username = setting(env, 'QUEUE_BULL_REDIS_USERNAME');
		const password = setting(env, 'QUEUE_BULL_REDIS_PASSWORD');
		return {
			enabled: true,
			redis: {
				host: setting(env, 'QUEUE_BULL_REDIS_HOST') ?? 'localhost',
				port,
				db,
				username: username || undefined,
				password: password || undefined,
				tls: flag(setting(env, 'QUEUE_BULL_REDIS_TLS'), false),
				tlsServername: setting(env, 'QUEUE_BULL_REDIS_TLS_SERVERNAME') || undefined,
				rejectUnauthorized: flag(setting(env, 'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE'), true),
				prefix: setting(env, 'QUEUE_BULL_PREFIX') ?? 'bull',
				timeoutMs: DEFAULT_TIMEOUT_MS,
			},
		};
	} catch (error) {
		// A `_FILE` that cannot be read: say which kind of problem, not the path's content.
		return {
			enabled: false,
			reason: `n8n's Redis settings could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
		};
	}
}

// ---------------------------------------------------------------- RESP2

export class RedisReplyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RedisReplyError';
	}
}

export type Reply = string | number | null | RedisReplyError | Reply[];

/** Largest reply this client accepts; its own replies are a few bytes. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Parses one reply at `offset`; undefined while the bytes are incomplete. Throws on garbage. */
export function parseReply(
	buffer: Buffer,
	offset: number,
): { value: Reply; next: number } | undefined {
	if (offset >= buffer.length) return undefined;
	const lineEnd = buffer.indexOf('\r\n', offset);
	if (lineEnd < 0) return undefined;
	const type = String.fromCharCode(buffer[offset]);
	const line = buffer.toString('utf8', offset + 1, lineEnd);
	const next = lineEnd + 2;
	switch (type) {
		case '+':
			return { value: line, next };
		case '-':
			return { value: new RedisReplyError(line), next };
		case ':': {
			const value = Number(line);
			if (!Number.isFinite(value)) throw new Error('bad integer reply');
			return { value, next };
		}
		case '$': {
			const length = Number(line);
			if (!Number.isInteger(length) || length < -1) throw new Error('bad bulk length');
			if (length === -1) return { value: null, next };
			if (buffer.length < next + length + 2) return undefined;
			if (buffer[next + length] !== 13 || buffer[next + length + 1] !== 10)
				throw new Error('bad bulk terminator');
			return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
		}
		case '*': {
			const count = Number(line);
			if (!Number.isInteger(count) || count < -1) throw new Error('bad array length');
			if (count === -1) return { value: null, next };
			const values: Reply[] = [];
			let position = next;
			for (let i = 0; i < count; i += 1) {
				const item = parseReply(buffer, position);
				if (item === undefined) return undefined;
				values.push(item.value);
				position = item.next;
			}
			return { value: values, next: position };
		}
		default:
			throw new Error(`unexpected reply type ${JSON.stringify(type)}`);
	}
}

export function encodeCommand(args: ReadonlyArray<string>): Buffer {
	const parts = [`*${args.length}\r\n`];
	for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
	return Buffer.from(parts.join(''));
}

class RedisTimeoutError extends Error {
	readonly code = 'ETIMEDOUT';
}

interface Waiter {
	resolve: (reply: Reply) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

/** One pipelined connection. Any failure (timeout, socket error, bad bytes) closes it for good. */
export class RespConnection {
	private buffer: Buffer = Buffer.alloc(0);
	private readonly waiters: Waiter[] = [];
	private failure: Error | undefined;

	private constructor(
		private readonly socket: net.Socket,
		private readonly timeoutMs: number,
	) {
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => this.onData(chunk));
		socket.on('error', (error) => this.fail(error));
		socket.on('close', () => this.fail(new Error('connection closed')));
		// A pooled connection must not keep a process (or a test run) alive on its own.
		socket.unref();
	}

	/** Connects, authenticates and selects the database. */
	static open(settings: RedisSettings): Promise<RespConnection> {
		return new Promise((resolve, reject) => {
			const options = { host: settings.host, port: settings.port };
			const socket = settings.tls
				? tls.connect({
						...options,
						servername:
							settings.tlsServername ?? (net.isIP(settings.host) ? undefined : settings.host),
						rejectUnauthorized: settings.rejectUnauthorized,
					})
				: net.connect(options);
			const connectedEvent = settings.tls ? 'secureConnect' : 'connect';
			const timer = setTimeout(() => {
				socket.destroy();
				reject(new RedisTimeoutError(`no connection within ${settings.timeoutMs} ms`));
			}, settings.timeoutMs);
			timer.unref();
			socket.once('error', (error) => {
				clearTimeout(timer);
				reject(error);
			});
			socket.once(connectedEvent, () => {
				clearTimeout(timer);
				const connection = new RespConnection(socket, settings.timeoutMs);
				const handshake: Array<Promise<Reply>> = [];
				if (settings.password !== undefined) {
					handshake.push(
						connection.command(
							settings.username !== undefined
								? ['AUTH', settings.username, settings.password]
								: ['AUTH', settings.password],
						),
					);
				}
				if (settings.db !== 0) handshake.push(connection.command(['SELECT', String(settings.db)]));
				Promise.all(handshake).then(
					() => resolve(connection),
					(error) => {
						connection.close();
						reject(error);
					},
				);
			});
		});
	}

	get usable(): boolean {
		return this.failure === undefined;
	}

	/** Sends one command; resolves with its reply, rejects on an error reply, timeout or broken connection. */
	command(args: ReadonlyArray<string>): Promise<Reply> {
		if (this.failure !== undefined) return Promise.reject(this.failure);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() => this.fail(new RedisTimeoutError(`no reply within ${this.timeoutMs} ms`)),
				this.timeoutMs,
			);
			timer.unref();
			this.waiters.push({
				resolve: (reply) => (reply instanceof RedisReplyError ? reject(reply) : resolve(reply)),
				reject,
				timer,
			});
			this.socket.write(encodeCommand(args));
		});
	}

	close(): void {
		this.fail(new Error('connection closed by this process'));
	}

	private onData(chunk: Buffer): void {
		this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
		if (this.buffer.length > MAX_BUFFERED_BYTES) {
			this.fail(new Error('reply too large'));
			return;
		}
		let offset = 0;
		try {
			for (;;) {
				const parsed = parseReply(this.buffer, offset);
				if (parsed === undefined) break;
				offset = parsed.next;
				const waiter = this.waiters.shift();
				if (waiter === undefined) throw new Error('a reply nobody asked for');
				clearTimeout(waiter.timer);
				waiter.resolve(parsed.value);
			}
		} catch (error) {
			this.fail(error as Error);
			return;
		}
		this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
	}

	private fail(error: Error): void {
		if (this.failure !== undefined) return;
		this.failure = error;
		this.socket.destroy();
		for (const waiter of this.waiters.splice(0)) {
			clearTimeout(waiter.timer);
			waiter.reject(error);
		}
	}
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
	private connection: Promise<RespConnection> | undefined;
	private pausedUntil = 0;
	private healthy = true;
	private readonly pendingMs: number;
	private readonly waitMs: number;
	private readonly pollMs: number;
	private readonly retryAfterMs: number;
	/** Counters for tests and benches. */
	readonly stats = {
		claimed: 0,
		duplicate: 0,
		undecided: 0,
		unavailable: 0,
		waited: 0,
		released: 0,
		confirmed: 0,
		errors: 0,
	};

	constructor(
		readonly settings: RedisSettings,
		options: SharedWindowOptions = {},
		private report: ProblemLog = () => undefined,
	) {
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
		return `${this.settings.prefix}:transak:dedupe:${encodeURIComponent(workflowId)}:${encodeURIComponent(nodeId)}:${digest}`;
	}

	/** Claims `key` for this process, or tells who has it. Never throws. */
	async claim(key: string, windowMs: number): Promise<Claim> {
		if (Date.now() < this.pausedUntil) {
			this.stats.unavailable += 1;
			return { kind: 'unavailable', reason: 'Redis failed recently' };
		}
		const token = `pending:${process.pid}:${randomBytes(9).toString('base64url')}`;
		const deadline = Date.now() + this.waitMs;
		let waited = false;
		try {
			for (;;) {
				const connection = await this.connect();
				const set = await connection.command([
					'SET',
					key,
					token,
					'NX',
					'PX',
					String(this.pendingMs),
				]);
				if (set === 'OK') {
					this.recovered();
					this.stats.claimed += 1;
					return {
						kind: 'claimed',
						settle: (handedOff) => this.settle(key, token, handedOff, windowMs),
					};
				}
				const holder = await connection.command(['GET', key]);
				this.recovered();
				// Released or expired between the two commands: try again at once.
				if (holder === null) continue;
				if (holder === DONE) {
					this.stats.duplicate += 1;
					return { kind: 'duplicate' };
				}
				if (!waited) {
					waited = true;
					this.stats.waited += 1;
				}
				if (Date.now() >= deadline) {
					this.stats.undecided += 1;
					return { kind: 'undecided' };
				}
				await sleep(this.pollMs);
			}
		} catch (error) {
			return this.unavailable(error as Error);
		}
	}

	/** Closes the pooled connection (tests; n8n itself never needs to). */
	close(): void {
		const connection = this.connection;
		this.connection = undefined;
		void connection?.then(
			(c) => c.close(),
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
			const connection = await this.connect();
			if (handedOff) {
				// The execution is in n8n's queue: every later copy within the window is a repeat.
				await connection.command([
					'SET',
					key,
					DONE,
					'PX',
					String(Math.max(1, Math.round(windowMs))),
				]);
				this.stats.confirmed += 1;
			} else {
				// Only our own claim: it may have expired and been taken by another copy meanwhile.
				if ((await connection.command(['GET', key])) === token)
					await connection.command(['DEL', key]);
				this.stats.released += 1;
			}
			this.recovered();
		} catch (error) {
			// A confirm that failed lets a later copy start the workflow again once the pending claim
			// expires; a release that failed delays a retry by at most pendingMs. Neither loses an event.
			this.unavailable(error as Error);
		}
	}

	private connect(): Promise<RespConnection> {
		const current = this.connection;
		if (current !== undefined) {
			return current.then((connection) => (connection.usable ? connection : this.reconnect()));
		}
		return this.reconnect();
	}

	private reconnect(): Promise<RespConnection> {
		const opening = RespConnection.open(this.settings);
		this.connection = opening;
		opening.catch(() => {
			if (this.connection === opening) this.connection = undefined;
		});
		return opening;
	}

	private recovered(): void {
		if (this.healthy) return;
		this.healthy = true;
		this.report(
			`Transak Trigger: n8n's Redis at ${this.where()} answers again; de-duplication across processes is back on`,
		);
	}

	private unavailable(error: Error): Claim {
		this.stats.errors += 1;
		this.stats.unavailable += 1;
		this.pausedUntil = Date.now() + this.retryAfterMs;
		const reason = describe(error, this.settings.password);
		if (this.healthy) {
			this.healthy = false;
			this.report(
				`Transak Trigger: n8n's Redis at ${this.where()} cannot be used for de-duplication across processes (${reason}); ` +
					"deliveries are accepted with this process's window only until it answers again",
			);
		}
		return { kind: 'unavailable', reason };
	}

	private where(): string {
		return `${this.settings.tls ? 'rediss' : 'redis'}://${this.settings.host}:${this.settings.port}/${this.settings.db}`;
	}
}

/** A short reason without secrets: an error code, or the first words of Redis's error reply. */
function describe(error: Error, password: string | undefined): string {
	const code = (error as NodeJS.ErrnoException).code;
	let text = code !== undefined && code !== '' ? `${code}: ${error.message}` : error.message;
	if (password !== undefined && password.length > 0) text = text.split(password).join('[redacted]');
	return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

const windows = new Map<string, SharedDeliveryWindow>();

/**
 * The process's shared window for n8n's Redis, or undefined when there is none to share (not in
 * queue mode, or a setup this client cannot handle; the latter is reported once).
 */
export function sharedDeliveryWindow(
	report: ProblemLog,
	env: Env = process.env,
): SharedDeliveryWindow | undefined {
	const settings = cachedSettings(env);
	if (!settings.enabled) {
		if (settings.reason !== 'n8n is not in queue mode' && !reportedSetups.has(settings.reason)) {
			reportedSetups.add(settings.reason);
			report(
				`Transak Trigger: no de-duplication across processes: ${settings.reason}; each process keeps its own window`,
			);
		}
		return undefined;
	}
	const { redis } = settings;
	const id = JSON.stringify([
		redis.host,
		redis.port,
		redis.db,
		redis.username ?? '',
		redis.tls,
		redis.tlsServername ?? '',
		redis.prefix,
		createHash('sha256')
			.update(redis.password ?? '')
			.digest('hex'),
	]);
	let window = windows.get(id);
	if (window === undefined) {
		window = new SharedDeliveryWindow(redis, {}, report);
		windows.set(id, window);
	} else {
		window.setReporter(report);
	}
	return window;
}

const reportedSetups = new Set<string>();

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

/** Closes every pooled connection and forgets them (tests). */
export function closeSharedWindows(): void {
	for (const window of windows.values()) window.close();
	windows.clear();
	reportedSetups.clear();
	settingsCache.clear();
}
