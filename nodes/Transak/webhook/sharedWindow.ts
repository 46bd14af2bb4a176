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
import { sleep } from 'n8n-workflow';

import {
	bounded,
	describeRedisError,
	openRedisStore,
	type ClaimStore,
	type StoreOpener,
} from '../queue/redisStore';
import {
	cachedSettings,
	describeRedis,
	NOT_QUEUE_MODE,
	type Env,
	type RedisSettings,
} from '../queue/redisSettings';

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

/** How long a copy of a delivery waits for the first copy's hand-off to n8n before accepting anyway. */
export const HAND_OFF_WAIT_MS = 10_000;
/** A hand-off n8n has not answered after this long counts as failed (its owner crashed, or hangs). */
export const HAND_OFF_LIMIT_MS = 60_000;

const DONE = 'done';

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
		this.pendingMs = options.pendingMs ?? HAND_OFF_LIMIT_MS;
		this.waitMs = options.waitMs ?? HAND_OFF_WAIT_MS;
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
		const token = `pending:${randomBytes(12).toString('base64url')}`;
		const deadline = Date.now() + this.waitMs;
		// Every command races the time left: a store that stops answering cannot hold the delivery.
		const beforeDeadline = <T>(command: Promise<T>) =>
			bounded(command, Math.max(1, deadline - Date.now()));
		try {
			const store = await this.connect();
			for (;;) {
				if (await beforeDeadline(store.setIfAbsent(key, token, this.pendingMs))) {
					this.recovered();
					return {
						kind: 'claimed',
						settle: (handedOff) => this.settle(key, token, handedOff, windowMs),
					};
				}
				const holder = await beforeDeadline(store.get(key));
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
		const reason = describeRedisError(error, this.options.secret);
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

// ---------------------------------------------------------------- one window per Redis

/** Keyed by the settings object: cachedSettings gives the same one for the same environment. */
const windows = new WeakMap<RedisSettings, SharedDeliveryWindow>();
const reportedSetups = new Set<string>();

/**
 * The process's shared window for n8n's Redis, or undefined when there is none to share (not in
 * queue mode, or settings that cannot be used; the latter is reported once). ioredis is loaded
 * on the first claim, never outside queue mode.
 */
export function sharedDeliveryWindow(
	report: ProblemLog,
	env: Env | undefined = undefined,
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
	let window = windows.get(redis);
	if (window === undefined) {
		window = new SharedDeliveryWindow(
			(onError) => open(redis, onError),
			{ prefix: redis.prefix, where: describeRedis(redis), secret: redis.password },
			report,
		);
		windows.set(redis, window);
	} else {
		window.setReporter(report);
	}
	return window;
}
