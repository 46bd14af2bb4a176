import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { RecentKeys } from '../webhook/window';
import { isEventSelected } from '../model/statuses';
import type { JwtVerifier } from '../verification/jwt';
import type { TransakEvent } from '../model/decode';
import { PusherChannelClient, type ClientLogger } from './client';
import type { PusherEndpoint } from './endpoint';
import { parsePusherEvent, type ChannelMode } from './channels';
import { fetchMissedEvents, type RecoveryApi, type RecoveryTarget } from './recovery';
import { cleanServerText, quoteServerText } from '../transport/quote';
import { scrubSecrets } from '../transport/secrets';

/** Remember emitted (order, status) pairs this long and this many: bounded, yet far beyond any order's life. */
const EMITTED_TTL_MS = 7 * 24 * 3600 * 1000;
const EMITTED_MAX = 100_000;

/** Recovery runs at most this often: a connection that flaps does not turn into a flood of API calls. */
export const RECOVERY_MIN_INTERVAL_MS = 5000;

/** Longest log line the stream writes. */
const MAX_LOG_LINE = 1000;

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
	mode: ChannelMode;
	channel: string;
	target: RecoveryTarget;
	events: readonly string[];
	verifier: JwtVerifier;
	/** Partner API for recovering missed events, or why there is none. */
	api: RecoveryApi | { unavailable: string };
	/** Values never to appear in a log line or an error. */
	secrets: readonly string[];
	/** Manual mode: stop after the first emitted event. */
	manual: boolean;
	/** Log prefix naming the node. */
	label: string;
	/** Names what n8n de-duplicates executions within (undefined: no key, as in manual mode). */
	deduplicationScope?: { workflowId: string; nodeId: string };
}

/**
 * n8n's deduplication key of one (order, status) of one trigger: n8n's index on it is global, so
 * the key names the workflow and the node; hashed, so its length is fixed whatever the IDs hold.
 */
export function executionKey(
	scope: { workflowId: string; nodeId: string },
	event: TransakEvent,
): string {
	const digest = createHash('sha256')
		.update(JSON.stringify([scope.workflowId, scope.nodeId, event.subjectId, event.status]))
		.digest('hex');
	return `transak-ws:${digest}`;
}

/**
 * A Transak order stream for one trigger: a Pusher subscription, verification and filtering,
 * de-duplication on (order, status), recovery of what a reconnect missed, and one fatal error at most.
 */
export class OrderStream {
	private readonly client: PusherChannelClient;

	private readonly emitted = new RecentKeys(EMITTED_TTL_MS, EMITTED_MAX);

	private closed = false;

	private fatalReported = false;

	private firstEmitted = false;

	private settleFirst: (() => void) | undefined;

	/** Settles on the first emitted event, a fatal error or close (manual mode waits on it). */
	readonly firstEvent: Promise<void>;

	private pendingSince: number | undefined;

	private recovering: Promise<void> | undefined;

	/** A recovery waiting for RECOVERY_MIN_INTERVAL_MS to pass since the previous one started. */
	private recoveryTimer: NodeJS.Timeout | undefined;

	private lastRecoveryAt = 0;

	private apiProblemLogged = false;

	private rejectedLogged = false;

	private failedLogged = false;

	constructor(
		private readonly host: StreamHost,
		private readonly settings: OrderStreamSettings,
	) {
		this.firstEvent = new Promise<void>((resolve) => {
			this.settleFirst = resolve;
		});
		this.client = new PusherChannelClient(
			settings.endpoint,
			settings.channel,
			{
				onEvent: (name, data) => this.onEvent(name, data),
				onSubscribed: (missedSince) => this.onSubscribed(missedSince),
				onFatal: (error) => this.onFatal(error),
			},
			{
				debug: (m) => this.log('debug', m),
				info: (m) => this.log('info', m),
				warn: (m) => this.log('warn', m),
			},
		);
	}

	start(): void {
		if ('unavailable' in this.settings.api) {
			this.log(
				'info',
				`missed events cannot be recovered after a reconnect: ${this.settings.api.unavailable}`,
			);
		}
		this.client.start();
	}

	/** Deactivation: closes the socket and forgets pending work. Safe to call more than once. */
	close(): void {
		if (this.closed) return;
		this.closed = true;
		if (this.recoveryTimer !== undefined) clearTimeout(this.recoveryTimer);
		this.recoveryTimer = undefined;
		this.client.close();
		this.resolveFirst();
	}

	/** Every line of the trigger passes here: one line, without secrets, of bounded length. */
	private log(level: keyof ClientLogger, message: string): void {
		try {
			const line = scrubSecrets(`${this.settings.label}: ${message}`, this.settings.secrets);
			this.host.logger[level](cleanServerText(line, MAX_LOG_LINE));
		} catch {
			// A logger must never break the stream.
		}
	}

	/** At warn level the first time, at debug level afterwards. */
	private logOnce(flag: 'rejectedLogged' | 'failedLogged', message: string): void {
		if (this[flag]) {
			this.log('debug', message);
			return;
		}
		this[flag] = true;
		this.log('warn', `${message} (further ones are logged at debug level)`);
	}

	private resolveFirst(): void {
		const settle = this.settleFirst;
		this.settleFirst = undefined;
		settle?.();
	}

	/** A channel event: emitted, or dropped with one log line. Never throws into pusher-js. */
	private onEvent(name: string, data: unknown): void {
		if (this.closed) return;
		// The name comes from the server: quoted and cut, so it cannot forge or flood log lines.
		const shown = quoteServerText(name, 80);
		try {
			const result = parsePusherEvent(this.settings.mode, name, data, this.settings.verifier);
			if (!result.ok) {
				const message = `dropped event ${shown}: ${cleanServerText(result.message)}`;
				if (result.reason === 'rejected') this.logOnce('rejectedLogged', message);
				else this.log('debug', message);
				return;
			}
			this.deliver(result.event);
		} catch (error) {
			// Only the error's name: its message may quote the payload.
			const kind = error instanceof Error ? error.name : typeof error;
			this.logOnce('failedLogged', `dropped event ${shown}: it could not be handled (${kind})`);
		}
	}

	/** Emits an event unless filtered out or already emitted for this (order, status). */
	private deliver(event: TransakEvent): boolean {
		if (this.closed || (this.settings.manual && this.firstEmitted)) return false;
		if (!isEventSelected(this.settings.events, event.eventID)) return false;
		const seen = `${event.subjectId}\u0000${event.status}`;
		if (!this.emitted.firstSeen(seen)) return false;
		const scope = this.settings.deduplicationScope;
		try {
			this.host.emit(event.json, scope === undefined ? undefined : executionKey(scope, event));
		} catch (error) {
			// Not handed to n8n: a copy of the event, or recovery, may still emit it.
			this.emitted.forget(seen);
			const kind = error instanceof Error ? error.name : typeof error;
			this.logOnce(
				'failedLogged',
				`could not hand event ${quoteServerText(event.eventID, 80)} to n8n (${kind})`,
			);
			return false;
		}
		this.firstEmitted = true;
		this.resolveFirst();
		return true;
	}

	private onSubscribed(missedSince: number | undefined): void {
		if (missedSince === undefined || this.closed) return;
		if ('unavailable' in this.settings.api) return;
		this.pendingSince = Math.min(this.pendingSince ?? missedSince, missedSince);
		this.scheduleRecovery();
	}

	/**
	 * Starts a recovery of the pending gap, coalesced and throttled: one at a time, and the next
	 * one no sooner than RECOVERY_MIN_INTERVAL_MS after the previous one started (gaps that open
	 * meanwhile are merged into it).
	 */
	private scheduleRecovery(): void {
		if (this.closed || this.pendingSince === undefined) return;
		if (this.recovering !== undefined || this.recoveryTimer !== undefined) return;
		const wait = this.lastRecoveryAt + RECOVERY_MIN_INTERVAL_MS - Date.now();
		if (wait > 0) {
			this.recoveryTimer = setTimeout(() => {
				this.recoveryTimer = undefined;
				this.scheduleRecovery();
			}, wait);
			return;
		}
		this.lastRecoveryAt = Date.now();
		this.recovering = this.recover().then(
			(recovered) => {
				this.recovering = undefined;
				// A gap that opened during this run; after a failure, the next reconnect tries again.
				if (recovered) this.scheduleRecovery();
			},
			() => {
				this.recovering = undefined;
			},
		);
	}

	/** Fetches what the pending gap missed; a failure keeps the gap for the next reconnect. */
	private async recover(): Promise<boolean> {
		const api = this.settings.api as RecoveryApi;
		const since = this.pendingSince;
		if (since === undefined || this.closed) return true;
		this.pendingSince = undefined;
		try {
			const missed = await fetchMissedEvents(api, this.settings.target, since, {
				events: this.settings.events,
				verifier: this.settings.verifier,
				onSourceError: (source, error) =>
					this.log('debug', `could not read the ${source}: ${describeError(error)}`),
			});
			let count = 0;
			for (const { event } of missed) if (this.deliver(event)) count += 1;
			if (count > 0) this.log('info', `recovered ${count} event(s) missed while disconnected`);
			else this.log('debug', 'nothing was missed while disconnected');
			return true;
		} catch (error) {
			if (!this.closed) this.pendingSince = Math.min(this.pendingSince ?? since, since);
			const message = `could not recover missed events from the Transak API: ${describeError(error)}`;
			if (!this.apiProblemLogged) {
				this.apiProblemLogged = true;
				this.log('warn', `${message}. Will try again after the next reconnect.`);
			} else {
				this.log('debug', message);
			}
			return false;
		}
	}

	private onFatal(error: Error): void {
		if (this.closed || this.fatalReported) return;
		this.fatalReported = true;
		const message = scrubSecrets(error.message, this.settings.secrets);
		this.log('warn', message);
		this.closed = true;
		try {
			this.host.emitError(new Error(message));
		} finally {
			this.resolveFirst();
		}
	}
}

/** An API error for a log line: its message may be the server's words, so it is quoted. */
function describeError(error: unknown): string {
	if (!(error instanceof Error)) return quoteServerText(String(error));
	const status = (error as { httpCode?: unknown }).httpCode;
	const http =
		typeof status === 'string' || typeof status === 'number'
			? ` (HTTP ${cleanServerText(String(status), 10)})`
			: '';
	return `${quoteServerText(error.message)}${http}`;
}
