/** Secret-looking values shorter than this are left alone: masking "a" would mangle every word. */
const MIN_SECRET_LENGTH = 6;
/**
 * Values kept process-wide are longer (Transak's tokens and secrets are far longer): a short,
 * weak value in one credential must not mask ordinary words in every other error and log line.
 */
const MIN_KNOWN_SECRET_LENGTH = 12;

/** Longest text kept from a remote error; Transak's own messages are one short sentence. */
const MAX_TEXT_LENGTH = 500;

/**
 * Every secret value this process has held: tokens read from credentials or returned by a
 * refresh, previous tokens, API secrets. Masking uses all of them, so that a token that did not
 * exist yet when a failing call started (refreshed during that call) is masked too. Bounded: the
 * least recently seen values go first, and values in use are seen again on every call.
 */
const MAX_KNOWN_SECRETS = 1_000;
const known = new Set<string>();
let pattern: RegExp | undefined;

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Adds secret values to the process-wide registry (strings long enough to mask; others ignored). */
export function rememberSecrets(values: Iterable<unknown>): void {
	for (const value of values) {
		if (typeof value !== 'string' || value.length < MIN_KNOWN_SECRET_LENGTH) continue;
		if (known.has(value)) {
			// Most recently seen last: the bound evicts values no longer in use.
			known.delete(value);
			known.add(value);
			continue;
		}
		if (known.size >= MAX_KNOWN_SECRETS) known.delete(known.values().next().value as string);
		known.add(value);
		pattern = undefined;
	}
}

/** One pattern for every known secret and its URL-encoded form, longest first. */
function secretsPattern(): RegExp | undefined {
	if (pattern === undefined && known.size > 0) {
		const forms = new Set<string>();
		for (const secret of known) {
			forms.add(secret);
			forms.add(encodeURIComponent(secret));
		}
		const sorted = [...forms].sort((a, b) => b.length - a.length).map(escape);
		pattern = new RegExp(sorted.join('|'), 'g');
	}
	return pattern;
}

/**
 * Removes every occurrence of the given secrets, and of every secret this process has held (and
 * their URL-encoded forms), from text that may reach an error message, an item or a log, and caps
 * its length at `maxLength`.
 */
export function scrubSecrets(
	text: string,
	secrets: ReadonlyArray<unknown> = [],
	maxLength = MAX_TEXT_LENGTH,
): string {
	rememberSecrets(secrets);
	const masks = secretsPattern();
	let result = masks === undefined ? text : text.replace(masks, '[redacted]');
	for (const secret of secrets) {
		if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
		if (secret.length >= MIN_KNOWN_SECRET_LENGTH) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			result = result.split(form).join('[redacted]');
		}
	}
	// Cut after masking, so that no cut can leave half a secret behind.
	return result.length > maxLength ? `${result.slice(0, maxLength)}…` : result;
}

/** The credential's secret values, for `scrubSecrets`; they join the process-wide registry. */
export function credentialSecrets(credentials: Record<string, unknown>): string[] {
	const values = [
		'accessToken',
		'apiSecret',
		'previousAccessToken',
		'currentAccessToken',
		'pseudonymSecret',
	]
		.map((key) => credentials[key])
		.filter((value): value is string => typeof value === 'string' && value.length > 0);
	rememberSecrets(values);
	return values;
}
