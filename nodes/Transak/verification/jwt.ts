import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'crypto';
import jwt from 'jsonwebtoken';
import type { IDataObject } from 'n8n-workflow';

export type JwtCheck =
	| { ok: true; claims: IDataObject }
	/** `malformed`: not a JWT at all (HTTP 400). `rejected`: a JWT we must not trust (HTTP 401). */
	| { ok: false; reason: 'malformed' | 'rejected'; message: string };

/** Largest token accepted; a full order with its histories is ~6 KB, so 1 MiB is generous. */
export const MAX_TOKEN_LENGTH = 1024 * 1024;

/**
 * The rejection of a well-formed token that none of the keys signed: the one failure a fresher
 * key set can turn into a success (a token rotated since the keys were read).
 */
export const SIGNATURE_MISMATCH = 'invalid signature';

/** jsonwebtoken's messages for input that is no JWT at all; every other failure is a distrust. */
const MALFORMED_MESSAGES = new Set(['jwt malformed', 'invalid token', 'jwt must be provided']);

const VERIFY_OPTIONS: jwt.VerifyOptions & { complete?: false } = { algorithms: ['HS256'] };

const MISMATCH: JwtCheck = { ok: false, reason: 'rejected', message: SIGNATURE_MISMATCH };

function verifyWith(token: string, key: KeyObject): JwtCheck {
	let claims: unknown;
	try {
		// `algorithms` pins HS256: `none`, other HMACs and asymmetric algorithms are refused.
		claims = jwt.verify(token, key, VERIFY_OPTIONS);
	} catch (error) {
		const message = (error as Error).message;
		if (MALFORMED_MESSAGES.has(message)) {
			return { ok: false, reason: 'malformed', message: 'data is not a JWT' };
		}
		// Only a signature mismatch can succeed with another key.
		return message === SIGNATURE_MISMATCH ? MISMATCH : { ok: false, reason: 'rejected', message };
	}
	if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
		return { ok: false, reason: 'malformed', message: 'payload is not an object' };
	}
	return { ok: true, claims: claims as IDataObject };
}

/** The key whose HS256 signature the token carries, if any of `keys` (a hint; jwt.verify decides). */
function signerOf(token: string, keys: readonly KeyObject[]): KeyObject | undefined {
	const dot = token.lastIndexOf('.');
	const signed = token.slice(0, dot);
	const given = Buffer.from(token.slice(dot + 1));
	return keys.find((key) => {
		const expected = Buffer.from(createHmac('sha256', key).update(signed).digest('base64url'));
		return expected.length === given.length && timingSafeEqual(expected, given);
	});
}

/**
 * Verifies HS256 JWTs against one or more keys (current token, previous token during rotation).
 * KeyObjects are built once: jsonwebtoken rebuilds key state from a string secret on every call,
 * which costs more than the HMAC itself on a hot webhook path.
 */
export class JwtVerifier {
	private readonly keys: KeyObject[];

	constructor(secrets: readonly string[]) {
		this.keys = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0))].map(
			(s) => createSecretKey(Buffer.from(s, 'utf8')),
		);
	}

	get hasKeys(): boolean {
		return this.keys.length > 0;
	}

	verify(token: unknown): JwtCheck {
		if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
			return { ok: false, reason: 'malformed', message: 'data is not a JWT' };
		}
		const [first, ...others] = this.keys;
		if (first === undefined) return MISMATCH;
		const check = verifyWith(token, first);
		if (check !== MISMATCH || others.length === 0) return check;
		// jsonwebtoken decodes the whole token again for every key: an HMAC of the signed part finds
		// the key that signed it, if any, and only that one verifies it in full.
		const signer = signerOf(token, others);
		return signer === undefined ? MISMATCH : verifyWith(token, signer);
	}

	/** The claims of a token one of the keys verifies, or undefined. */
	claimsOf(token: unknown): IDataObject | undefined {
		const check = this.verify(token);
		return check.ok ? check.claims : undefined;
	}
}
