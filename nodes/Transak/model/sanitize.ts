import { isObject } from './guards';

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * How deep a record may nest. Transak's orders nest four levels; n8n cannot store an item nested
 * much deeper (its JSON serialisation recurses), and a walk this deep stays far from the stack limit.
 */
export const MAX_DEPTH = 100;

const CLEAN = 0;
const FORBIDDEN = 1;
const TOO_DEEP = 2;

/** The worst of what is found under `value`: CLEAN, FORBIDDEN (a key to drop) or TOO_DEEP. */
function scan(value: unknown, depth: number): number {
	if (value === null || typeof value !== 'object') return CLEAN;
	if (depth > MAX_DEPTH) return TOO_DEEP;
	let found = CLEAN;
	if (Array.isArray(value)) {
		for (const entry of value) {
			const inner = scan(entry, depth + 1);
			if (inner === TOO_DEEP) return inner;
			if (inner > found) found = inner;
		}
		return found;
	}
	// JSON data: for...in sees its own keys only.
	for (const key in value) {
		// A forbidden key is dropped with everything under it.
		if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
			found = FORBIDDEN;
			continue;
		}
		const inner = scan((value as Record<string, unknown>)[key], depth + 1);
		if (inner === TOO_DEEP) return inner;
		if (inner > found) found = inner;
	}
	return found;
}

function strip(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(strip);
	if (!isObject(value)) return value;
	const copy: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		if (!FORBIDDEN_KEYS.has(key)) copy[key] = strip(value[key]);
	}
	return copy;
}

/**
 * JSON data without keys that could reach an object's prototype when n8n or a later node merges the
 * item, or undefined when it nests deeper than MAX_DEPTH. Checking first keeps the common case (no
 * such key anywhere) free of copies.
 */
export function sanitize<T>(value: T): T | undefined {
	const found = scan(value, 0);
	if (found === TOO_DEEP) return undefined;
	return found === FORBIDDEN ? (strip(value) as T) : value;
}

/** What takes the place of data nested deeper than MAX_DEPTH in a pruned copy. */
export const NESTED_TOO_DEEP = `[nested deeper than ${MAX_DEPTH} levels]`;

/**
 * A copy of JSON data that always fits in an item: keys that reach a prototype dropped, and every
 * object or array nested deeper than MAX_DEPTH replaced by NESTED_TOO_DEEP. For what a user asked
 * the API for, where refusing the whole record would lose the rest of it.
 */
export function prune(value: unknown, depth = 0): unknown {
	if (value === null || typeof value !== 'object') return value;
	if (depth > MAX_DEPTH) return NESTED_TOO_DEEP;
	if (Array.isArray(value)) return value.map((entry) => prune(entry, depth + 1));
	const copy: Record<string, unknown> = {};
	for (const key of Object.keys(value)) {
		if (!FORBIDDEN_KEYS.has(key))
			copy[key] = prune((value as Record<string, unknown>)[key], depth + 1);
	}
	return copy;
}

/**
 * Whether JSON text may nest deeper than `limit`, told without parsing: brackets are counted
 * wherever they are, inside strings too (so JSON encoded in a string counts as well), which can
 * only overestimate. Linear and iterative, for text that must not reach recursive code.
 */
export function textNestsDeeperThan(text: string, limit: number): boolean {
	let depth = 0;
	for (let i = 0; i < text.length; i += 1) {
		const code = text.charCodeAt(i);
		// [ and {
		if (code === 91 || code === 123) {
			depth += 1;
			if (depth > limit) return true;
			// ] and }
		} else if ((code === 93 || code === 125) && depth > 0) {
			depth -= 1;
		}
	}
	return false;
}
