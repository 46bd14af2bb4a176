/*
 * Recovery runs of one trigger. Each re-subscription leaves a gap (since the connection was last
 * heard from); the gaps are fetched from the partner API one run at a time, at most one run every
 * RECOVERY_TIMING.minIntervalMs, gaps that open meanwhile merged into the next run. A run that fails
 * keeps its gap for the next reconnect.
 */
import type { TransakEvent } from '../model/decode';
import type { RecoveredEvent } from './recovery';
import { warnOnce } from './log';

/** What a recovery call made after the trigger closed fails with (never reported). */
export const TRIGGER_CLOSED = 'the trigger was deactivated';

/**
 * Recovery runs at most this often (`minIntervalMs`): a connection that flaps does not turn into a
 * flood of API calls. Read at each run, so that tests may shorten it for a suite.
 */
export const RECOVERY_TIMING = { minIntervalMs: 5000 };

export interface CatchUpHost {
	/** What changed since `since` (ms since epoch), oldest first; throws when the API cannot tell. */
	fetch(since: number): Promise<RecoveredEvent[]>;
	/** Emits an event unless it was emitted before: true when it was emitted now. */
	deliver(event: TransakEvent): boolean;
	log(level: 'debug' | 'info' | 'warn', message: string): void;
	/** A failure for a log line (its message may be the server's words). */
	describe(error: unknown): string;
}

export class CatchUp {
	private pendingSince: number | undefined;

	private running = false;

	/** A run waiting for the minimum interval to pass since the previous one started. */
	private timer: NodeJS.Timeout | undefined;

	private lastRunAt = 0;

	private closed = false;

	private readonly reportFailure = warnOnce(
		(level, message) => this.host.log(level, message),
		'. Will try again after the next reconnect.',
	);

	constructor(private readonly host: CatchUpHost) {}

	/** Events may have been missed since `since`: recover them (now or as soon as allowed). */
	gap(since: number): void {
		if (this.closed) return;
		this.pendingSince = Math.min(this.pendingSince ?? since, since);
		this.schedule();
	}

	close(): void {
		this.closed = true;
		clearTimeout(this.timer);
		this.timer = undefined;
	}

	private schedule(): void {
		if (this.closed || this.pendingSince === undefined) return;
		if (this.running || this.timer !== undefined) return;
		const wait = this.lastRunAt + RECOVERY_TIMING.minIntervalMs - Date.now();
		if (wait > 0) {
			this.timer = setTimeout(() => {
				this.timer = undefined;
				this.schedule();
			}, wait);
			return;
		}
		this.lastRunAt = Date.now();
		this.running = true;
		void this.run().then((recovered) => {
			this.running = false;
			// A gap that opened during this run; after a failure, the next reconnect tries again.
			if (recovered) this.schedule();
		});
	}

	/** Fetches what the pending gap missed; false (the gap kept) when the API failed. Never throws. */
	private async run(): Promise<boolean> {
		const since = this.pendingSince;
		if (since === undefined || this.closed) return true;
		this.pendingSince = undefined;
		try {
			const missed = await this.host.fetch(since);
			let count = 0;
			for (const { event } of missed) if (this.host.deliver(event)) count += 1;
			if (count > 0) this.host.log('info', `recovered ${count} event(s) missed while disconnected`);
			else this.host.log('debug', 'nothing was missed while disconnected');
			return true;
		} catch (error) {
			// Deactivated meanwhile: nothing to keep, nothing to say.
			if (this.closed) return true;
			this.pendingSince = Math.min(this.pendingSince ?? since, since);
			this.reportFailure(
				`could not recover missed events from the Transak API: ${this.host.describe(error)}`,
			);
			return false;
		}
	}
}
