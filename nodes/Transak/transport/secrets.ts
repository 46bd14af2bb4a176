/** Secret-looking values shorter than this are left alone: masking "a" would mangle every word. */
const MIN_SECRET_LENGTH = 6;

/** Longest text kept from a remote error; Transak's own messages are one short sentence. */
const MAX_TEXT_LENGTH = 500;

/**
 * Removes every occurrence of the given secrets (and their URL-encoded forms) from text that may
 * reach an error message, an item or a log, and caps its length.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<unknown>): string {
	let result = text;
	for (const secret of secrets) {
		if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			result = result.split(form).join('[redacted]');
		}
	}
	// Cut after masking, so that no cut can leave half a secret behind.
	return result.length > MAX_TEXT_LENGTH ? `${result.slice(0, MAX_TEXT_LENGTH)}…` : result;
}

/** The credential's secret values, for `scrubSecrets`. */
export function credentialSecrets(credentials: Record<string, unknown>): string[] {
	return ['accessToken', 'apiSecret', 'previousAccessToken', 'currentAccessToken']
		.map((key) => credentials[key])
		.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
