/*
 * Text that a server wrote (a Pusher error or close reason, an error body of the partner API)
 * reaches log lines and error messages only through here: without line breaks or other control
 * characters, so that it cannot start a log line of its own, and cut, so that it cannot flood one.
 */

/**
 * C0 and C1 controls, line and paragraph separators, and the format characters that reorder or
 * hide text (bidirectional overrides and isolates, zero-width characters, the BOM).
 */
const CONTROLS = /[\p{Cc}\u2028\u2029\p{Cf}]+/gu;

/** Longest server text kept by default: Transak's and Pusher's messages are one short sentence. */
export const MAX_SERVER_TEXT = 200;

/**
 * Server text made safe to embed: every run of control characters becomes one space, surrounding
 * space goes, and anything past `max` characters is replaced by an ellipsis (never cutting a
 * surrogate pair in two).
 */
export function cleanServerText(value: unknown, max = MAX_SERVER_TEXT): string {
	const given =
		typeof value === 'string'
			? value
			: typeof value === 'number' || typeof value === 'boolean'
				? String(value)
				: '';
	const text = given
		.slice(0, max * 4)
		.replace(CONTROLS, ' ')
		.trim();
	const chars = Array.from(text);
	return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

/** Server text as a quoted string (`"…"`, inner quotes and backslashes escaped), cleaned and cut. */
export function quoteServerText(value: unknown, max = MAX_SERVER_TEXT): string {
	return JSON.stringify(cleanServerText(value, max));
}
