import type { IDataObject } from 'n8n-workflow';

import { RecentKeys } from '../webhook/window';
import { isEventSelected } from '../model/statuses';
import { SIGNATURE_MISMATCH, type JwtVerifier } from '../verification/jwt';
import type { RereadOptions } from '../verification/keyring';
import { describeRun, ROTATION_ADVICE, RotationWatch } from '../verification/rotation';
import type { TransakEvent } from '../model/decode';
import { PusherChannelClient, type ClientLogger } from './client';
import type { PusherEndpoint } from './endpoint';
import { parsePusherEvent, type ChannelMode, type PusherEventResult } from './channels';
import { fetchMissedEvents, type RecoveryApi, type RecoveryTarget } from './recovery';
import { scrubSecrets } from '../transport/secrets';

/** Remember emitted (order, status) pairs this long and this many: bounded, yet far beyond any order's life. */
const EMITTED_TTL_MS = 7 * 24 * 3600 * 1000;
const EMITTED_MAX = 100_000;

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
			settings.mode === 'allOrders' ? new RotationWatch(settings.trigger.id, true) : undefined;
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

	/** Stops everything that could still read, emit or connect. */
	private shutdown(): void {
		this.closed = true;
		clearInterval(this.keysTimer);
		this.settings.keys.dispose();
		this.client.close();
	}

	private log(level: keyof ClientLogger, message: string, prefix = this.settings.label): void {
		try {
			this.host.logger[level](scrubSecrets(`${prefix}: ${message}`, this.settings.secrets));
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
		const result = parsePusherEvent(this.settings.mode, name, data, this.settings.keys.verifier);
		if (isKeyMismatch(result)) {
			// Perhaps signed with a token the credential got since the keys were read (a refresh, an
			// edit): verify this same event again with the keys read now.
			void this.reverify(name, data, Date.now());
			return;
		}
		this.settle(name, result);
	}

	private async reverify(name: string, data: unknown, since: number): Promise<void> {
		await this.rereadKeys({ since, wait: true });
		if (this.closed) return;
		const result = parsePusherEvent(this.settings.mode, name, data, this.settings.keys.verifier);
		this.settle(name, result);
		if (isKeyMismatch(result)) this.noticeRefusal(since);
	}

	/** Reads the keys again; a failure keeps the keys held. */
	private async rereadKeys(options?: RereadOptions): Promise<JwtVerifier | undefined> {
		try {
			return await this.settings.keys.reread(options);
		} catch (error) {
			this.keysUnreadable(error);
			return undefined;
		}
	}

	private readonly keysUnreadable = (error: unknown): void => {
		this.log('debug', `could not read the Transak API credential again: ${describeError(error)}`);
	};

	private settle(name: string, result: PusherEventResult): void {
		if (!result.ok) {
			// The name comes from the server: quoted and cut, so it cannot forge or flood log lines.
			const shown = JSON.stringify(String(name).slice(0, 80));
			// A signature no key matches is followed by the rotation watch instead (all orders).
			const watched = this.rotation !== undefined && isKeyMismatch(result);
			if (result.reason === 'rejected' && !this.rejectedLogged && !watched) {
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
		this.rotation?.verified();
		this.deliver(result.event);
	}

	/** An all-orders event (arrived at `arrivedAt`) no key verified, even after a fresh read. */
	private noticeRefusal(arrivedAt: number): void {
		const verdict = this.rotation?.refused(arrivedAt);
		if (verdict === undefined || (!verdict.warn && !verdict.raise)) return;
		const what = `${describeRun(verdict, 'all-orders events')} failed verification with every key the Transak API credential holds (read again just now), and none verified: Transak signs them with an access token the credential does not hold. ${ROTATION_ADVICE}`;
		const where = this.settings.trigger.label;
		if (verdict.warn) this.log('warn', `${what} This warning repeats at most once an hour.`, where);
		// Only Transak can publish on this channel: a sustained run is a real problem, and an error
		// runs the workflow's error workflow (n8n then re-activates the trigger).
		if (verdict.raise) this.onFatal(new Error(what), where);
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
					verifier: this.settings.keys.verifier,
					rereadKeys: async () => await this.rereadKeys({ wait: true }),
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

	private onFatal(error: Error, where?: string): void {
		if (this.closed || this.fatalReported) return;
		this.fatalReported = true;
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

function describeError(error: unknown): string {
	if (error instanceof Error) {
		const status = (error as { httpCode?: unknown }).httpCode;
		return status !== undefined && status !== null
			? `${error.message} (HTTP ${String(status)})`
			: error.message;
	}
	return String(error);
}
