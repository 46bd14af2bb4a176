import { isNonEmptyString } from '../model/guards';
import type { TransakApiCredentials } from '../transport/credentials';
import { apiAccessToken } from '../transport/token';
import { JwtVerifier } from './jwt';

const MAX_VERIFIERS = 64;
const verifiers = new Map<string, JwtVerifier>();

/**
 * One verifier per key set, reused across deliveries: building key state is the costly part of
 * verification. Bounded, so rotating tokens cannot grow it without limit.
 */
export function verifierFor(keys: readonly string[]): JwtVerifier {
	const id = keys.join('\u0000');
	let verifier = verifiers.get(id);
	if (verifier === undefined) {
		verifier = new JwtVerifier(keys);
		if (verifiers.size >= MAX_VERIFIERS) verifiers.delete(verifiers.keys().next().value as string);
		verifiers.set(id, verifier);
	}
	return verifier;
}

/**
 * Every key that may sign Transak webhooks and all-orders WebSocket events, most likely first:
 * the credential's current token (refreshed by n8n, or the user's), the optional previous token,
 * tokens the current one `replaced` (see keyring.ts: for 15 minutes), and the API secret
 * (integrations from 2021 verified Transak's payloads with it). The user's access token is the
 * current one until n8n refreshes it; after that it verifies only as a replaced token.
 */
export function verificationKeys(
	credentials: TransakApiCredentials,
	replaced: readonly string[] = [],
): string[] {
	return [
		...new Set(
			[
				apiAccessToken(credentials),
				credentials.previousAccessToken,
				...replaced,
				credentials.apiSecret,
			].filter(isNonEmptyString),
		),
	];
}
