import { isObject } from './guards';

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * How deep a record may nest. Transak's orders nest four levels; n8n cannot store an item nested
 * much deeper (its JSON serialisation recurses), and a walk this deep stays far from the stack limit.
 */
export const MAX_DEPTH = 100;

type Scan = 'clean' | 'forbidden' | 'tooDeep';

function scan(value: unknown, depth: number): Scan {
	if (value === null || typeof value !== 'object') return 'clean';
	if (depth > MAX_DEPTH) return 'tooDeep';
	let result: Scan = 'clean';
	const visit = (child: unknown): boolean => {
		const inner = scan(child, depth + 1);
		if (inner === 'forbidden') result = inner;
		return inner !== 'tooDeep';
	};
	if (Array.isArray(value)) {
		for (const entry of value) if (!visit(entry)) return 'tooDeep';
		return result;
	}
	for (const key of Object.keys(value)) {
		// A forbidden key is dropped with everything under it.
		if (FORBIDDEN_KEYS.has(key)) result = 'forbidden';
		else if (!visit((value as Record<string, unknown>)[key])) return 'tooDeep';
	}
	return result;
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
	if (found === 'tooDeep') return undefined;
	return found === 'forbidden' ? (strip(value) as T) : value;
}
