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

/** A token signed as Transak signs its own (HS256 with the access token): for the test-event replay. */
export function signHs256(claims: IDataObject, key: string): string {
	return jwt.sign(claims, key, { algorithm: 'HS256' });
}

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
		// jsonwebtoken's own words, except where they would quote the token (a JSON parser's).
		return error instanceof SyntaxError
			? { ok: false, reason: 'malformed', message: 'payload is not JSON' }
			: { ok: false, reason: 'rejected', message };
	}
	if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
		return { ok: false, reason: 'malformed', message: 'payload is not an object' };
	}
	return { ok: true, claims: claims as IDataObject };
}

/** Three base64url segments, none of the first two empty. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A JOSE header is a few dozen bytes; a longer one is no Transak token. */
const MAX_HEADER_LENGTH = 1024;

const malformed = (message: string): JwtCheck => ({ ok: false, reason: 'malformed', message });

/**
 * What can be told of a token before any key is tried, in time linear in its length and without
 * parsing its payload: its shape, its header (pinned to HS256), and whether its payload could be a
 * JSON object at all. Undefined when it may be a Transak token.
 */
function shapeProblem(token: string): JwtCheck | undefined {
	if (!JWT_SHAPE.test(token)) return malformed('data is not a JWT');
	const [headerPart, payloadPart] = token.split('.', 2);
	if (headerPart.length > MAX_HEADER_LENGTH) return malformed('data is not a JWT');
	let header: unknown;
	try {
		header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
	} catch {
		return malformed('data is not a JWT');
	}
	if (header === null || typeof header !== 'object' || Array.isArray(header)) {
		return malformed('data is not a JWT');
	}
	if ((header as IDataObject).alg !== 'HS256') {
		return { ok: false, reason: 'rejected', message: 'invalid algorithm' };
	}
	const payload = Buffer.from(payloadPart, 'base64url').toString('utf8').trim();
	if (!payload.startsWith('{') || !payload.endsWith('}')) {
		return malformed('payload is not a JSON object');
	}
	return undefined;
}

/** The key whose HS256 signature the token carries, if any of `keys` (jwt.verify then decides). */
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

	/**
	 * The signature is checked before the payload is parsed: a forged token costs an HMAC per key
	 * and nothing more, whatever its payload holds. Only the key that signed it verifies it in full.
	 */
	verify(token: unknown): JwtCheck {
		if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
			return malformed('data is not a JWT');
		}
		const problem = shapeProblem(token);
		if (problem !== undefined) return problem;
		const signer = signerOf(token, this.keys);
		return signer === undefined ? MISMATCH : verifyWith(token, signer);
	}

	/** The claims of a token one of the keys verifies, or undefined. */
	claimsOf(token: unknown): IDataObject | undefined {
		const check = this.verify(token);
		return check.ok ? check.claims : undefined;
	}
}
