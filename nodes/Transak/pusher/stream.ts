import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { LatestOccurrences } from '../dedup/window';
import { isEventSelected } from '../model/statuses';
import { SIGNATURE_MISMATCH, type JwtVerifier } from '../verification/jwt';
import type { RereadOptions } from '../verification/keyring';
import { HOURLY_NOTE, RotationWatch, rotationMessage } from '../verification/rotation';
import type { TransakEvent } from '../model/decode';
import type { PusherEndpoint } from './endpoint';
import { parsePusherEvent, type PusherEventResult } from './channels';
import { CatchUp, TRIGGER_CLOSED } from './catchUp';
import { type ClientLogger, warnOnce } from './log';
import { timeOf } from '../model/guards';
import { isTooOld } from '../model/replay';
import { joinChannel, type ChannelLease } from './shared';
import { fetchMissedEvents, type RecoveryApi, type RecoveryTarget } from './recovery';
import { cleanServerText, quoteServerText } from '../text/serverText';
import { scrubSecrets } from '../text/secrets';

/** Remember emitted (order, status) pairs this long and this many: bounded, yet far beyond any order's life. */
const EMITTED_TTL_MS = 7 * 24 * 3600 * 1000;
const EMITTED_MAX = 100_000;

/** Longest log line the stream writes. */
const MAX_LOG_LINE = 1000;

/** How often the keys are read again from the credential while events verify. */
const KEYS_REREAD_INTERVAL_MS = 60_000;

/** The verification keys, following the trigger's credential (see verification/keyring.ts). */
export interface StreamKeys {
	readonly verifier: JwtVerifier;
	/** Reads the credential again for a failed event (shared, at most once a second). */
	reread(options?: RereadOptions): Promise<JwtVerifier | undefined>;
	/** Reads the credential again if the keys are older than `maxAgeMs`. */
	fresh(maxAgeMs: number): Promise<JwtVerifier>;
	/** Stops a queued read: the trigger is closing. */
	dispose(): void;
}

/** What the stream needs from n8n. Looked up on every call: n8n swaps `emit` after trigger() in manual mode. */
export interface StreamHost {
	/**
	 * Starts one execution. `deduplicationKey` is n8n's (2.41 and later): it refuses a second
	 * execution with the same key, durably and across processes; older n8n ignores it.
	 */
	emit(json: IDataObject, deduplicationKey?: string): void;
	emitError(error: Error): void;
	logger: ClientLogger;
}

export interface OrderStreamSettings {
	endpoint: PusherEndpoint;
	/**
	 * The credential's API key: triggers with the same one and the same endpoint share one Pusher
	 * connection in the process (see shared.ts).
	 */
	apiKey: string;
	channel: string;
	/** The channel's kind and the order it follows (the mode decides how events are verified). */
	target: RecoveryTarget;
	events: readonly string[];
	/** Maximum Delivery Age in hours (see model/replay.ts) for events received; 0: off. */
	maxAgeHours: number;
	keys: StreamKeys;
	/** Partner API for recovering missed events, or why there is none. */
	api: RecoveryApi | { unavailable: string };
	/** Values never to appear in a log line or an error. */
	secrets: readonly string[];
	/** Manual mode: stop after the first emitted event. */
	manual: boolean;
	/** Log prefix naming the node. */
	label: string;
	/** Names the trigger (node and workflow) in warnings and errors. */
	trigger: { id: string; label: string };
	/** Names what n8n de-duplicates executions within (undefined: no key, as in manual mode). */
	deduplicationScope?: { workflowId: string; nodeId: string };
}

/**
 * What the stream de-duplicates on: the (order, status), and for a received event its signed
 * update time, so that a status the order reaches again is a new occurrence. An event recovered
 * from the partner API is emitted only for an (order, status) not seen before: the order may have
 * changed since without a new status.
 */
function occurrenceOf(event: TransakEvent): { key: string; at: number } {
	return {
		key: JSON.stringify([event.subjectId, event.status]),
		at: timeOf(event.revision) ?? Number.NEGATIVE_INFINITY,
	};
}

/**
 * n8n's deduplication key of one event of one trigger: n8n's index on it is global, so the key
 * names the workflow and the node; hashed, so its length is fixed whatever the IDs hold.
 */
function executionKey(scope: { workflowId: string; nodeId: string }, seen: string): string {
	const digest = createHash('sha256')
		.update(JSON.stringify([scope.workflowId, scope.nodeId, seen]))
		.digest('hex');
	return `transak-ws:${digest}`;
}

/**
 * A Transak order stream for one trigger: a Pusher subscription, verification and filtering,
 * de-duplication on (order, status), recovery of what a reconnect missed, and one fatal error at most.
 */
export class OrderStream {
	/** This trigger's place on the process's shared connection, while started. */
	private lease: ChannelLease | undefined;

	private readonly emitted = new LatestOccurrences(EMITTED_TTL_MS, EMITTED_MAX);

	private closed = false;

	private firstEmitted = false;

	private settleFirst: (() => void) | undefined;

	/** Settles on the first emitted event, a fatal error or close (manual mode waits on it). */
	readonly firstEvent: Promise<void>;

	/** Recovery of what reconnects missed, or none (turned off, no API). */
	private readonly catchUp: CatchUp | undefined;

	private readonly reportRejected = warnOnce(
		(level, message) => this.log(level, message),
		' (further ones are logged at debug level)',
	);

	private readonly reportFailed = warnOnce(
		(level, message) => this.log(level, message),
		' (further ones are logged at debug level)',
	);

	/** Follows all-orders events that no key verifies (a token rotation the credential missed). */
	private readonly rotation: RotationWatch | undefined;

	private keysTimer: NodeJS.Timeout | undefined;

	constructor(
		private readonly host: StreamHost,
		private readonly settings: OrderStreamSettings,
	) {
		this.firstEvent = new Promise<void>((resolve) => {
			this.settleFirst = resolve;
		});
		this.rotation =
			settings.target.mode === 'allOrders'
				? new RotationWatch(settings.trigger.id, true)
				: undefined;
		const api = settings.api;
		this.catchUp =
			'unavailable' in api
				? undefined
				: new CatchUp({
						fetch: async (since) =>
							await fetchMissedEvents(this.untilClosed(api), settings.target, since, {
								events: settings.events,
								verifier: settings.keys.verifier,
								rereadKeys: async () => await this.rereadKeys({ wait: true }),
								onSourceError: (source, error) =>
									this.log('debug', `could not read the ${source}: ${this.describe(error)}`),
							}),
						deliver: (event) => this.deliver(event),
						log: (level, message) => this.log(level, message),
						describe: (error) => this.describe(error),
					});
	}

	start(): void {
		if (this.closed || this.lease !== undefined) return;
		if ('unavailable' in this.settings.api) {
			this.log(
				'info',
				`missed events cannot be recovered after a reconnect: ${this.settings.api.unavailable}`,
			);
		}
		this.lease = joinChannel(this.settings.apiKey, this.settings.endpoint, this.settings.channel, {
			onEvent: (name, data) => this.onEvent(name, data),
			onSubscribed: (missedSince) => this.onSubscribed(missedSince),
			onFatal: (error) => this.onFatal(error),
			log: {
				debug: (m) => this.log('debug', m),
				info: (m) => this.log('info', m),
				warn: (m) => this.log('warn', m),
			},
		});
		// A token edited or refreshed elsewhere is picked up even while no event fails.
		this.keysTimer = setInterval(() => {
			this.settings.keys.fresh(KEYS_REREAD_INTERVAL_MS / 2).catch(this.keysUnreadable);
		}, KEYS_REREAD_INTERVAL_MS);
		this.keysTimer.unref?.();
	}

	/** Deactivation: closes the socket and forgets pending work. Safe to call more than once. */
	close(): void {
		if (this.closed) return;
		this.shutdown();
		this.resolveFirst();
	}

	/** Stops everything that could still read, emit, recover or connect. */
	private shutdown(): void {
		this.closed = true;
		clearInterval(this.keysTimer);
		this.catchUp?.close();
		this.settings.keys.dispose();
		// Leaves the shared connection; the last trigger to leave closes it.
		this.lease?.release();
		this.lease = undefined;
	}

	private describe(error: unknown): string {
		return describeError(error, this.settings.secrets);
	}

	/** Every line of the trigger passes here: one line, without secrets, of bounded length. */
	private log(level: keyof ClientLogger, message: string, prefix = this.settings.label): void {
		try {
			const line = scrubSecrets(`${prefix}: ${message}`, this.settings.secrets, MAX_LOG_LINE);
			this.host.logger[level](cleanServerText(line, MAX_LOG_LINE));
		} catch {
			// A logger must never break the stream.
		}
	}

	private resolveFirst(): void {
		const settle = this.settleFirst;
		this.settleFirst = undefined;
		settle?.();
	}

	/** A channel event: emitted, or dropped with one log line. Never throws into pusher-js. */
	private onEvent(name: string, data: unknown): void {
		if (this.closed) return;
		this.guarded(name, () => {
			const verifier = this.settings.keys.verifier;
			const result = parsePusherEvent(this.settings.target.mode, name, data, verifier);
			// Perhaps signed with a token the credential got since the keys were read (a refresh, an
			// edit): verify this same event again with the keys read now.
			if (isKeyMismatch(result)) void this.reverify(name, data, Date.now(), verifier, result);
			else this.settle(name, result);
		});
	}

	private async reverify(
		name: string,
		data: unknown,
		since: number,
		refusedBy: JwtVerifier,
		refusal: PusherEventResult,
	): Promise<void> {
		await this.rereadKeys({ since, wait: true });
		if (this.closed) return;
		this.guarded(name, () => {
			const verifier = this.settings.keys.verifier;
			// The same keys give the same answer: no second verification.
			const result =
				verifier === refusedBy
					? refusal
					: parsePusherEvent(this.settings.target.mode, name, data, verifier);
			this.settle(name, result);
			if (isKeyMismatch(result)) this.noticeRefusal(since);
		});
	}

	/** Runs the handling of one event: whatever it throws drops that event only, with a log line. */
	private guarded(name: string, handle: () => void): void {
		try {
			handle();
		} catch (error) {
			// Only the error's name: its message may quote the payload.
			const kind = error instanceof Error ? error.name : typeof error;
			this.reportFailed(
				`dropped event ${quoteServerText(name, 80)}: it could not be handled (${kind})`,
			);
		}
	}

	/**
	 * The partner API for one recovery run, refusing every call once the trigger is closed: a run
	 * in flight at deactivation makes no further call and reads no credential.
	 */
	private untilClosed(api: RecoveryApi): RecoveryApi {
		const open = <T>(call: () => Promise<T>): Promise<T> =>
			this.closed ? Promise.reject(new Error(TRIGGER_CLOSED)) : call();
		return {
			getOrder: async (orderId) => await open(() => api.getOrder(orderId)),
			listOrders: async (query) => await open(() => api.listOrders(query)),
			listWebhooks: async (query) => await open(() => api.listWebhooks(query)),
		};
	}

	/** Reads the keys again; a failure keeps the keys held. */
	private async rereadKeys(options?: RereadOptions): Promise<JwtVerifier | undefined> {
		if (this.closed) return undefined;
		try {
			return await this.settings.keys.reread(options);
		} catch (error) {
			this.keysUnreadable(error);
			return undefined;
		}
	}

	private readonly keysUnreadable = (error: unknown): void => {
		this.log('debug', `could not read the Transak API credential again: ${this.describe(error)}`);
	};

	private settle(name: string, result: PusherEventResult): void {
		if (!result.ok) {
			// The name comes from the server: quoted and cut, so it cannot forge or flood log lines.
			const message = `dropped event ${quoteServerText(name, 80)}: ${cleanServerText(result.message)}`;
			// A signature no key matches is followed by the rotation watch instead (all orders).
			const watched = this.rotation !== undefined && isKeyMismatch(result);
			if (result.reason === 'rejected' && !watched) this.reportRejected(message);
			else this.log('debug', message);
			return;
		}
		this.rotation?.verified();
		// Only a signed event's times are vouched for; only Transak can publish on its channels.
		if (result.signed === true && isTooOld(result.event, this.settings.maxAgeHours)) {
			this.log(
				'debug',
				`dropped event ${quoteServerText(name, 80)}: its order was last updated before the Maximum Delivery Age`,
			);
			return;
		}
		this.deliver(result.event);
	}

	/** An all-orders event (arrived at `arrivedAt`) no key verified, even after a fresh read. */
	private noticeRefusal(arrivedAt: number): void {
		const verdict = this.rotation?.refused(arrivedAt);
		if (verdict === undefined || (!verdict.warn && !verdict.raise)) return;
		const what = rotationMessage(
			verdict,
			'all-orders events',
			'Transak signs them with an access token the credential does not hold',
		);
		const where = this.settings.trigger.label;
		if (verdict.warn) this.log('warn', `${what} ${HOURLY_NOTE}`, where);
		// Only Transak can publish on this channel: a sustained run is a real problem, and an error
		// runs the workflow's error workflow (n8n then re-activates the trigger).
		if (verdict.raise) this.onFatal(new Error(what), where);
	}

	/** Emits an event unless filtered out or already emitted for this (order, status). */
	private deliver(event: TransakEvent): boolean {
		if (this.closed || (this.settings.manual && this.firstEmitted)) return false;
		if (!isEventSelected(this.settings.events, event.eventID)) return false;
		const { key, at } = occurrenceOf(event);
		const admitted = this.emitted.admit(key, at, { onlyIfNew: event.recovered === true });
		if (admitted === false) return false;
		// n8n's durable key: the (order, status) for its first occurrence, so that one read back after
		// a re-activation is refused; a later occurrence seen here carries its time, so n8n runs it.
		const n8nKey = admitted === 'later' ? `${key}|${event.revision}` : key;
		const scope = this.settings.deduplicationScope;
		try {
			this.host.emit(event.json, scope === undefined ? undefined : executionKey(scope, n8nKey));
		} catch (error) {
			// Not handed to n8n: a copy of the event, or recovery, may still emit it.
			this.emitted.forget(key);
			const kind = error instanceof Error ? error.name : typeof error;
			this.reportFailed(
				`could not hand event ${quoteServerText(event.eventID, 80)} to n8n (${kind})`,
			);
			return false;
		}
		this.firstEmitted = true;
		this.resolveFirst();
		return true;
	}

	private onSubscribed(missedSince: number | undefined): void {
		if (missedSince !== undefined && !this.closed) this.catchUp?.gap(missedSince);
	}

	private onFatal(error: Error, where?: string): void {
		if (this.closed) return;
		const message = scrubSecrets(error.message, this.settings.secrets);
		this.log('warn', message, where);
		// The socket too: n8n's deactivation after the error calls close(), which then does nothing.
		this.shutdown();
		try {
			this.host.emitError(new Error(message));
		} finally {
			this.resolveFirst();
		}
	}
}

/** A well-formed token that none of the keys signed: fresher keys may verify it. */
function isKeyMismatch(result: PusherEventResult): boolean {
	return !result.ok && result.reason === 'rejected' && result.message === SIGNATURE_MISMATCH;
}

/**
 * An API error for a log line: its message may be the server's words, so it is quoted; secrets are
 * masked before it is cut, so that no cut leaves part of one behind.
 */
function describeError(error: unknown, secrets: readonly string[]): string {
	if (!(error instanceof Error)) return quoteServerText(scrubSecrets(String(error), secrets));
	const status = (error as { httpCode?: unknown }).httpCode;
	const http =
		typeof status === 'string' || typeof status === 'number'
			? ` (HTTP ${cleanServerText(String(status), 10)})`
			: '';
	return `${quoteServerText(scrubSecrets(error.message, secrets))}${http}`;
}
