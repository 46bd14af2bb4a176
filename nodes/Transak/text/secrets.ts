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
 * Text read past `maxLength` before masking, so that a secret (in any of its forms) that starts
 * within the kept part is masked whole; the rest is never scanned, however long the text.
 */
const MASK_MARGIN = 16_384;

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

/**
 * The forms in which a secret may be echoed: as is, URL-encoded, JSON-escaped, and base64 and
 * base64url encoded. Matching ignores case (an upper-cased echo) and line breaks (a wrapped one).
 */
function formsOf(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	return [
		secret,
		encodeURIComponent(secret),
		JSON.stringify(secret).slice(1, -1),
		bytes.toString('base64').replace(/=+$/, ''),
		bytes.toString('base64url'),
	];
}

/** One pattern for every form of every secret given, longest first. */
function patternFor(secrets: Iterable<string>): RegExp | undefined {
	const forms = new Set<string>();
	for (const secret of secrets) for (const form of formsOf(secret)) forms.add(form.toLowerCase());
	if (forms.size === 0) return undefined;
	const sorted = [...forms].sort((a, b) => b.length - a.length).map(escape);
	return new RegExp(sorted.join('|'), 'gi');
}

function secretsPattern(): RegExp | undefined {
	if (pattern === undefined && known.size > 0) pattern = patternFor(known);
	return pattern;
}

/** A URL's login (`scheme://user:password@host`), wherever it appears in a text. */
const URL_LOGIN = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/**
 * Replaces every match of `masks` in `text`, also where line breaks split a match: the breaks are
 * taken out to find the matches, and each match replaces the characters it spans, breaks included.
 */
function maskAcrossBreaks(text: string, masks: RegExp): string {
	let result = text.replace(masks, '[redacted]');
	if (!/[\r\n]/.test(result)) return result;
	const kept: number[] = [];
	let joined = '';
	for (let i = 0; i < result.length; i++) {
		const c = result[i];
		if (c === '\n' || c === '\r') continue;
		kept.push(i);
		joined += c;
	}
	const spans: Array<[number, number]> = [];
	for (const match of joined.matchAll(masks)) {
		const start = match.index ?? 0;
		spans.push([kept[start], kept[start + match[0].length - 1] + 1]);
	}
	for (let i = spans.length - 1; i >= 0; i--) {
		const [from, to] = spans[i];
		result = `${result.slice(0, from)}[redacted]${result.slice(to)}`;
	}
	return result;
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
	const long = text.length > maxLength + MASK_MARGIN;
	let result = (long ? text.slice(0, maxLength + MASK_MARGIN) : text).replace(
		URL_LOGIN,
		'$1[redacted]@',
	);
	const masks = secretsPattern();
	if (masks !== undefined) result = maskAcrossBreaks(result, masks);
	// Values too short for the registry: masked here, for this text only.
	const short = secrets.filter(
		(secret): secret is string =>
			typeof secret === 'string' &&
			secret.length >= MIN_SECRET_LENGTH &&
			secret.length < MIN_KNOWN_SECRET_LENGTH,
	);
	const shortMasks = patternFor(short);
	if (shortMasks !== undefined) result = maskAcrossBreaks(result, shortMasks);
	// Cut after masking, so that no cut can leave half a secret behind.
	return result.length > maxLength || long ? `${result.slice(0, maxLength)}…` : result;
}

/** The login of a URL (user and password, as written and decoded), if it has one. */
function urlLogin(value: unknown): string[] {
	if (typeof value !== 'string' || !value.includes('@')) return [];
	try {
		const { username, password } = new URL(value);
		return [username, password, decodeURIComponent(username), decodeURIComponent(password)];
	} catch {
		return [];
	}
}

/**
 * The Transak API credential's fields that are not secret. Every other value a credential holds is
 * masked, so a secret field added to the credential is masked without a change here (a test checks
 * this list against the credential's definition: its non-password fields, and the API key, which
 * Transak treats as public).
 */
export const PUBLIC_CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
	'environment',
	// Its login, if any, is masked below.
	'baseUrl',
	'apiKey',
	'currentAccessTokenFor',
]);

/** The credential's secret values, for `scrubSecrets`; they join the process-wide registry. */
export function credentialSecrets(credentials: Record<string, unknown>): string[] {
	const values = [
		...Object.entries(credentials)
			.filter(([field]) => !PUBLIC_CREDENTIAL_FIELDS.has(field))
			.map(([, value]) => value),
		...urlLogin(credentials.baseUrl),
	].filter((value): value is string => typeof value === 'string' && value.length > 0);
	rememberSecrets(values);
	return [...new Set(values)];
}

/** A URL for messages: its login, if any, masked. */
export function displayUrl(url: string): string {
	return url.replace(URL_LOGIN, '$1[redacted]@');
}
