/*
 * Makes a token rotation the credential missed loud: a run of deliveries that no key of the
 * credential verifies (even after reading it again), with none verifying in between, means
 * Transak signs with a token n8n does not have (or, for webhooks, that someone forges them).
 */

/** A trigger says so at most this often (per process), whatever its activations. */
export const ROTATION_NOTICE_INTERVAL_MS = 60 * 60_000;

/** Refused deliveries in a row before the log says so. */
export const WARN_AFTER_REFUSALS = 3;

/** A run this long (in deliveries or time) raises an error, where the trigger asks for it. */
export const RAISE_AFTER = { refusals: 20, ms: 5 * 60_000 } as const;

/** What to tell the user, in log lines and errors (never a token). */
const ROTATION_ADVICE =
	'Paste the current access token into the Transak API credential (and the one it replaced into Previous Access Token), or let only one system refresh the token.';

/** Ends a warning that a trigger gives at most once an hour. */
export const HOURLY_NOTE = 'This warning repeats at most once an hour.';

const MAX_TRIGGERS = 1_000;
const warned = new Map<string, number>();
const raised = new Map<string, number>();

/** True, and remembered, when `id` has not been told within the interval. */
function claim(told: Map<string, number>, id: string, now: number): boolean {
	const last = told.get(id);
	if (last !== undefined && now - last < ROTATION_NOTICE_INTERVAL_MS) return false;
	told.delete(id);
	if (told.size >= MAX_TRIGGERS) told.delete(told.keys().next().value as string);
	told.set(id, now);
	return true;
}

export interface RotationVerdict {
	/** Log a warning now. */
	warn: boolean;
	/** Raise an error now (only where the watch was asked to). */
	raise: boolean;
	/** Deliveries refused in a row, and for how long. */
	refusals: number;
	forMs: number;
}

/** Follows one trigger's run of refused deliveries. `id` names the trigger (workflow and node). */
export class RotationWatch {
	private refusals = 0;

	private since = 0;

	private lastVerifiedAt = Number.NEGATIVE_INFINITY;

	constructor(
		private readonly id: string,
		private readonly raises = false,
	) {}

	/** A delivery verified: the run is over. */
	verified(now = Date.now()): void {
		this.refusals = 0;
		this.lastVerifiedAt = now;
	}

	/**
	 * A delivery that arrived at `arrivedAt` and that no key verified, after the keys were read
	 * again. One that arrived before a delivery verified does not count: the keys work.
	 */
	refused(arrivedAt: number, now = Date.now()): RotationVerdict {
		if (arrivedAt <= this.lastVerifiedAt)
			return { warn: false, raise: false, refusals: 0, forMs: 0 };
		if (this.refusals === 0) this.since = now;
		this.refusals += 1;
		const forMs = now - this.since;
		const warn = this.refusals >= WARN_AFTER_REFUSALS && claim(warned, this.id, now);
		const sustained =
			this.refusals >= RAISE_AFTER.refusals || (this.refusals > 1 && forMs >= RAISE_AFTER.ms);
		const raise = this.raises && sustained && claim(raised, this.id, now);
		return { warn, raise, refusals: this.refusals, forMs };
	}
}

/** "N <what> in a row over M minutes", for the messages. */
export function describeRun(verdict: RotationVerdict, what: string): string {
	const minutes = Math.floor(verdict.forMs / 60_000);
	return `${verdict.refusals} ${what} in a row${minutes >= 1 ? ` over ${minutes} min` : ''}`;
}

/**
 * What a run of refused `what` (deliveries, events) means and what to do about it (`cause`: why
 * they fail). Names no token.
 */
export function rotationMessage(verdict: RotationVerdict, what: string, cause: string): string {
	return `${describeRun(verdict, what)} failed verification with every key the Transak API credential holds (read again just now), and none verified: ${cause}. ${ROTATION_ADVICE}`;
}
