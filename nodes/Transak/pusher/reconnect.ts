/*
 * When the client reconnects on its own rather than waiting for pusher-js, which after a drop waits
 * 1 s and, while the server is down, 1 s, 16 s, 46 s, then every 60 s.
 */
import { asksForBackoff } from './closes';

/** A drop right after a fast reconnect waits for pusher-js's own delay: no tight reconnect loop. */
export const FAST_RECONNECT_MIN_INTERVAL_MS = 10_000;

/** Backoff of our own attempts while pusher-js is stuck connecting: 2 s doubling to 30 s. */
const RETRY_DELAYS_MS = [2000, 4000, 8000, 16000, 30000];

/**
 * What to do when pusher-js announces a delay before reconnecting after a close with `code`:
 * - `hold`: the connection flaps, and the drop itself holds the next attempt back;
 * - `backoff`: the server asked for a delay (pusher-js's is kept);
 * - `immediate`: 4200-4299, pusher-js already reconnects at once;
 * - `wait`: the last fast reconnect was less than 10 s ago;
 * - `now`: reconnect at once.
 */
export function afterClose(
	code: number | undefined,
	flapping: boolean,
	sinceLastFastReconnectMs: number,
): 'hold' | 'backoff' | 'immediate' | 'wait' | 'now' {
	if (flapping) return 'hold';
	if (asksForBackoff(code)) return 'backoff';
	if (code !== undefined && code >= 4200 && code < 4300) return 'immediate';
	if (sinceLastFastReconnectMs < FAST_RECONNECT_MIN_INTERVAL_MS) return 'wait';
	return 'now';
}

/** Calls `onStuck` when a connection attempt has not succeeded within the current backoff. */
export class ConnectWatchdog {
	private timer: NodeJS.Timeout | undefined;

	private attempt = 0;

	constructor(
		private readonly onStuck: (waitedMs: number) => void,
		private readonly random: () => number = Math.random,
	) {}

	/** Starts the wait for this attempt, unless one is running; each attempt waits longer. */
	arm(): void {
		if (this.timer !== undefined) return;
		const base = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)];
		this.attempt += 1;
		// Jitter: triggers that lost the same server do not all come back at the same instant.
		const delay = Math.round(base * (0.8 + this.random() * 0.4));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.onStuck(delay);
		}, delay);
	}

	clear(): void {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
	}

	/** Connected: the next outage starts again from the shortest delay. */
	reset(): void {
		this.clear();
		this.attempt = 0;
	}
}
