import type { IDataObject } from 'n8n-workflow';

import { RecentKeys } from '../webhook/window';
import { isEventSelected } from '../model/statuses';
import type { JwtVerifier } from '../verification/jwt';
import type { TransakEvent } from '../model/decode';
import { PusherChannelClient, type ClientLogger } from './client';
import type { PusherEndpoint } from './endpoint';
import { parsePusherEvent, type ChannelMode } from './channels';
import { fetchMissedEvents, type RecoveryApi, type RecoveryTarget } from './recovery';
import { scrubSecrets } from '../transport/secrets';

/** Remember emitted (order, status) pairs this long and this many: bounded, yet far beyond any order's life. */
const EMITTED_TTL_MS = 7 * 24 * 3600 * 1000;
const EMITTED_MAX = 100_000;

/** What the stream needs from n8n. Looked up on every call: n8n swaps `emit` after trigger() in manual mode. */
export interface StreamHost {
	emit(json: IDataObject): void;
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

	private apiProblemLogged = false;

	private rejectedLogged = false;

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
		this.client.close();
		this.resolveFirst();
	}

	private log(level: keyof ClientLogger, message: string): void {
		try {
			this.host.logger[level](
				scrubSecrets(`${this.settings.label}: ${message}`, this.settings.secrets),
			);
		} catch {
			// A logger must never break the stream.
		}
	}

	private resolveFirst(): void {
		const settle = this.settleFirst;
		this.settleFirst = undefined;
		settle?.();
	}

	private onEvent(name: string, data: unknown): void {
		if (this.closed) return;
		const result = parsePusherEvent(this.settings.mode, name, data, this.settings.verifier);
		if (!result.ok) {
			// The name comes from the server: quoted and cut, so it cannot forge or flood log lines.
			const shown = JSON.stringify(String(name).slice(0, 80));
			if (result.reason === 'rejected' && !this.rejectedLogged) {
				this.rejectedLogged = true;
				this.log(
					'warn',
					`dropped event ${shown}: ${result.message} (further rejections are logged at debug level)`,
				);
			} else {
				this.log('debug', `dropped event ${shown}: ${result.message}`);
			}
			return;
		}
		this.deliver(result.event);
	}

	/** Emits an event unless filtered out or already emitted for this (order, status). */
	private deliver(event: TransakEvent): boolean {
		if (this.closed || (this.settings.manual && this.firstEmitted)) return false;
		if (!isEventSelected(this.settings.events, event.eventID)) return false;
		if (!this.emitted.firstSeen(`${event.subjectId}\u0000${event.status}`)) return false;
		this.firstEmitted = true;
		try {
			this.host.emit(event.json);
		} finally {
			this.resolveFirst();
		}
		return true;
	}

	private onSubscribed(missedSince: number | undefined): void {
		if (missedSince === undefined || this.closed) return;
		if ('unavailable' in this.settings.api) return;
		this.pendingSince = Math.min(this.pendingSince ?? missedSince, missedSince);
		if (this.recovering === undefined) {
			this.recovering = this.recover().finally(() => {
				this.recovering = undefined;
			});
		}
	}

	/** Fetches what the gap(s) missed; a failure keeps the gap for the next reconnect. */
	private async recover(): Promise<void> {
		const api = this.settings.api as RecoveryApi;
		while (this.pendingSince !== undefined && !this.closed) {
			const since = this.pendingSince;
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
			} catch (error) {
				if (!this.closed) this.pendingSince = Math.min(this.pendingSince ?? since, since);
				const message = `could not recover missed events from the Transak API: ${describeError(error)}`;
				if (!this.apiProblemLogged) {
					this.apiProblemLogged = true;
					this.log('warn', `${message}. Will try again after the next reconnect.`);
				} else {
					this.log('debug', message);
				}
				return;
			}
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

function describeError(error: unknown): string {
	if (error instanceof Error) {
		const status = (error as { httpCode?: unknown }).httpCode;
		return status !== undefined && status !== null
			? `${error.message} (HTTP ${String(status)})`
			: error.message;
	}
	return String(error);
}
