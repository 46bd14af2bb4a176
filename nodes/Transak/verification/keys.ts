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
