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
		if (FORBIDDEN_KEYS.has(key)) {
			found = FORBIDDEN;
			continue;
		}
		const inner = scan((value as Record<string, unknown>)[key], depth + 1);
		if (inner === TOO_DEEP) return inner;
		if (inner > found) found = inner;
	}
	return found;
}

/**
 * JSON data without keys that could reach an object's prototype when n8n or a later node merges the
 * item, or undefined when it nests deeper than MAX_DEPTH. Checking first keeps the common case (no
 * such key anywhere) free of copies.
 */
export function sanitize<T>(value: T): T | undefined {
	const found = scan(value, 0);
	if (found === TOO_DEEP) return undefined;
	// Within MAX_DEPTH, pruning only drops the forbidden keys.
	return found === FORBIDDEN ? (prune(value) as T) : value;
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

/** The characters that can change the structure of JSON text (or of JSON held in its strings). */
const SPECIAL = /["\\[\]{}]/g;

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const OPENERS = new Set([91, 123]); // [ {
const CLOSERS = new Set([93, 125]); // ] }

/** Where the character of a JSON string that starts at `at` ends (an escape is one character). */
function unitEnd(text: string, at: number): number {
	if (text.charCodeAt(at) !== BACKSLASH) return at + 1;
	return text.charCodeAt(at + 1) === 117 /* u */ ? at + 6 : at + 2;
}

/** The character a JSON string holds at `at`, with its escape decoded (0 for one that changes nothing). */
function decodedAt(text: string, at: number): number {
	const code = text.charCodeAt(at);
	if (code !== BACKSLASH) return code;
	const escaped = text.charCodeAt(at + 1);
	if (escaped === 117 /* u */) return parseInt(text.slice(at + 2, at + 6), 16);
	// \" and \\ stand for themselves; \n, \t and the others for characters that change nothing.
	return escaped === QUOTE || escaped === BACKSLASH ? escaped : 0;
}

/**
 * No more opening brackets than `limit` (and none written as an escape): such text cannot nest
 * deeper. The common case, told by native search without walking the text.
 */
function fewOpeners(text: string, limit: number): boolean {
	if (text.includes('\\u')) return false;
	let count = 0;
	for (const opener of ['[', '{']) {
		for (let i = text.indexOf(opener); i !== -1; i = text.indexOf(opener, i + 1)) {
			count += 1;
			if (count > limit) return false;
		}
	}
	return true;
}

/**
 * Whether JSON text may nest deeper than `limit`, counting also the JSON its strings hold (a
 * Pusher frame carries its data as JSON text in a string, and pusher-js parses it). Linear and
 * iterative, for text that must not reach recursive code. Brackets in strings of the held JSON
 * are skipped as a parser would; brackets in other strings count, which can only overestimate.
 * The regular expression skips everything else at native speed (a token has no such character).
 */
export function textNestsDeeperThan(text: string, limit: number): boolean {
	if (fewOpeners(text, limit)) return false;
	let depth = 0;
	let inString = false;
	// The JSON a string of the text holds: its own depth and strings.
	let held = 0;
	let inHeldString = false;
	SPECIAL.lastIndex = 0;
	for (let match = SPECIAL.exec(text); match !== null; match = SPECIAL.exec(text)) {
		const at = match.index;
		const raw = text.charCodeAt(at);
		if (!inString) {
			if (raw === QUOTE) {
				inString = true;
				held = 0;
				inHeldString = false;
			} else if (OPENERS.has(raw)) {
				depth += 1;
				if (depth > limit) return true;
			} else if (CLOSERS.has(raw) && depth > 0) {
				depth -= 1;
			}
			continue;
		}
		if (raw === QUOTE) {
			inString = false;
			continue;
		}
		const char = decodedAt(text, at);
		const end = unitEnd(text, at);
		SPECIAL.lastIndex = end;
		if (inHeldString) {
			if (char === QUOTE) inHeldString = false;
			// An escape in the held string: the character after it is taken as it is.
			else if (char === BACKSLASH && text.charCodeAt(end) !== QUOTE)
				SPECIAL.lastIndex = unitEnd(text, end);
		} else if (char === QUOTE) {
			inHeldString = true;
		} else if (OPENERS.has(char)) {
			held += 1;
			if (depth + held > limit) return true;
		} else if (CLOSERS.has(char) && held > 0) {
			held -= 1;
		}
	}
	return false;
}
