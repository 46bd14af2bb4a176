/**
 * Tells a connection that drops now and then from one that flaps: closed soon after it connected,
 * again and again (a server that closes every subscription with 4200, a proxy that cuts every
 * socket). While it flaps, reconnects wait longer each time and their log lines are summarised.
 */
export interface StabilitySettings {
	/** A connection lost within this long of connecting counts towards flapping. */
	shortLivedMs: number;
	/** This many short-lived connections in a row is flapping. */
	threshold: number;
	/** The first delay before reconnecting while flapping; it doubles up to maxDelayMs. */
	firstDelayMs: number;
	maxDelayMs: number;
	/** While flapping, at most one summary line this often. */
	summaryEveryMs: number;
}

export const STABILITY_DEFAULTS: StabilitySettings = {
	shortLivedMs: 5000,
	threshold: 3,
	firstDelayMs: 1000,
	maxDelayMs: 30_000,
	summaryEveryMs: 60_000,
};

export interface LogLine {
	level: 'info' | 'warn';
	message: string;
}

export interface Drop {
	/** How long to wait before reconnecting (0: at once, as pusher-js would). */
	delayMs: number;
	/** A line to log for this drop instead of the usual per-drop lines, if any. */
	line?: LogLine;
}

export class ConnectionStability {
	private connectedAt: number | undefined;

	/** Short-lived connections in a row. */
	private streak = 0;

	private unstableSince = 0;

	private lastSummaryAt = 0;

	private dropsSinceSummary = 0;

	private dropsWhileFlapping = 0;

	constructor(private readonly settings: StabilitySettings = STABILITY_DEFAULTS) {}

	/** While flapping, per-reconnect log lines are left out (summaries take their place). */
	get flapping(): boolean {
		return this.streak >= this.settings.threshold;
	}

	/** How long a connection must stay up to end a streak. */
	get shortLivedMs(): number {
		return this.settings.shortLivedMs;
	}

	connected(now: number): void {
		this.connectedAt = now;
	}

	/** The connection stayed up long enough: flapping is over. Returns the line saying so, if it was. */
	settled(now: number): LogLine | undefined {
		const wasFlapping = this.flapping;
		this.streak = 0;
		if (!wasFlapping) return undefined;
		const seconds = Math.round((now - this.unstableSince) / 1000);
		return {
			level: 'info',
			message: `Pusher connection stable again, after ${this.dropsWhileFlapping} reconnects in ${seconds} s`,
		};
	}

	/** The connection was lost (`why`: the close code and reason, already quoted). */
	dropped(now: number, why: string): Drop {
		const lifetime = now - (this.connectedAt ?? now);
		this.connectedAt = undefined;
		if (lifetime >= this.settings.shortLivedMs) this.streak = 0;
		this.streak += 1;
		if (!this.flapping) return { delayMs: 0 };

		const { threshold, firstDelayMs, maxDelayMs, shortLivedMs, summaryEveryMs } = this.settings;
		const delayMs = Math.min(firstDelayMs * 2 ** Math.min(this.streak - threshold, 30), maxDelayMs);
		const seconds = (ms: number) => Math.round(ms / 1000);
		if (this.streak === threshold) {
			this.unstableSince = now;
			this.lastSummaryAt = now;
			this.dropsSinceSummary = 0;
			this.dropsWhileFlapping = 1;
			return {
				delayMs,
				line: {
					level: 'warn',
					message: `Pusher connection unstable: closed ${threshold} times in a row within ${seconds(shortLivedMs)} s of connecting${why}; reconnecting with growing delays (up to ${seconds(maxDelayMs)} s), with one summary line a minute instead of a line per reconnect`,
				},
			};
		}
		this.dropsWhileFlapping += 1;
		this.dropsSinceSummary += 1;
		if (now - this.lastSummaryAt < summaryEveryMs) return { delayMs };
		const line: LogLine = {
			level: 'info',
			message: `Pusher connection still unstable: ${this.dropsSinceSummary} reconnects in the last ${seconds(now - this.lastSummaryAt)} s${why}; next attempt in ${seconds(delayMs)} s`,
		};
		this.lastSummaryAt = now;
		this.dropsSinceSummary = 0;
		return { delayMs, line };
	}
}
