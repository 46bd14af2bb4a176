/**
 * Remembers recently seen deliveries for a bounded time and count, so that a retried delivery
 * does not start a second execution. Check-and-remember is synchronous: concurrent requests in
 * one process cannot both pass.
 */
export class RecentKeys {
	private readonly seen = new Map<string, number>();

	constructor(
		private readonly ttlMs: number,
		private readonly maxEntries = 50_000,
	) {}

	/** True the first time `key` is offered within the window; false for a repeat. */
	firstSeen(key: string, now = Date.now()): boolean {
		if (this.ttlMs <= 0) return true;
		const expiresAt = this.seen.get(key);
		if (expiresAt !== undefined && expiresAt > now) return false;
		if (expiresAt !== undefined) this.seen.delete(key);
		this.seen.set(key, now + this.ttlMs);
		this.evict(now);
		return true;
	}

	/** Forgets a key, so that a delivery that could not be handed to n8n is accepted when retried. */
	forget(key: string): void {
		this.seen.delete(key);
	}

	private evict(now: number): void {
		// Map keeps insertion order, and every entry has the same TTL: the oldest come first.
		for (const [key, expiresAt] of this.seen) {
			if (expiresAt > now && this.seen.size <= this.maxEntries) break;
			this.seen.delete(key);
		}
	}
}

const registries = new Map<string, RecentKeys>();
/**
 * Per key (an order and a status), the latest occurrence let through, for a bounded time and
 * count. An occurrence is a time (the record's signed update time; -Infinity when unknown): a later
 * one is the status reached again, an equal or earlier one a copy.
 */
export class LatestOccurrences {
	private readonly latest = new Map<string, { at: number; expiresAt: number }>();

	constructor(
		private readonly ttlMs: number,
		private readonly maxEntries = 50_000,
	) {}

	/**
	 * Whether the occurrence `at` of `key` is new (`first`: nothing of `key` was let through;
	 * `later`: a later occurrence than the one that was), remembering it if so; false for a copy.
	 * `onlyIfNew`: pass only a first one (a record whose time may have moved for other reasons).
	 */
	admit(
		key: string,
		at: number,
		{ onlyIfNew = false, now = Date.now() } = {},
	): 'first' | 'later' | false {
		const entry = this.latest.get(key);
		const known = entry !== undefined && entry.expiresAt > now;
		if (known && (onlyIfNew || !(at > entry.at))) return false;
		this.latest.delete(key);
		this.latest.set(key, { at, expiresAt: now + this.ttlMs });
		for (const [old, { expiresAt }] of this.latest) {
			if (expiresAt > now && this.latest.size <= this.maxEntries) break;
			this.latest.delete(old);
		}
		return known ? 'later' : 'first';
	}

	/** Forgets a key, so that an occurrence that could not be handed on is let through again. */
	forget(key: string): void {
		this.latest.delete(key);
	}
}

/** Windows kept: far more trigger nodes than an installation runs (workflows come and go). */
const MAX_REGISTRIES = 1000;

/** One window per trigger node (workflow + node), shared by every request that reaches it. */
export function recentKeysFor(scope: string, ttlMs: number): RecentKeys {
	const id = `${scope}|${ttlMs}`;
	let keys = registries.get(id);
	if (keys === undefined) {
		keys = new RecentKeys(ttlMs);
		if (registries.size >= MAX_REGISTRIES) {
			registries.delete(registries.keys().next().value as string);
		}
	}
	// Most recently used last: the first entry is the one to let go.
	registries.delete(id);
	registries.set(id, keys);
	return keys;
}

/**
 * What makes two deliveries copies of one: the same event, subject and status, and the same
 * `revision` (the signed update time), so that a status reached again is not taken for a copy.
 */
export function deliveryKey(
	eventID: string,
	subjectId: string,
	status: string,
	revision = '',
): string {
	return `${eventID}\u0000${subjectId}\u0000${status}\u0000${revision}`;
}
