import { createSecretKey, type KeyObject } from 'crypto';
import jwt from 'jsonwebtoken';

export type JwtCheck =
	| { ok: true; claims: Record<string, unknown> }
	/** `malformed`: not a JWT at all (HTTP 400). `rejected`: a JWT we must not trust (HTTP 401). */
	| { ok: false; reason: 'malformed' | 'rejected'; message: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Largest token accepted; a full order with its histories is ~6 KB, so 1 MiB is generous. */
export const MAX_TOKEN_LENGTH = 1024 * 1024;

/**
 * Verifies HS256 JWTs against one or more keys (current token, previous token during rotation).
 * KeyObjects are built once: jsonwebtoken rebuilds key state from a string secret on every call,
 * which costs more than the HMAC itself on a hot webhook path.
 */
export class JwtVerifier {
	private readonly keys: KeyObject[];

	constructor(secrets: readonly string[]) {
		this.keys = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0))].map((s) =>
			createSecretKey(Buffer.from(s, 'utf8')),
		);
	}

	get hasKeys(): boolean {
		return this.keys.length > 0;
	}

	verify(token: unknown): JwtCheck {
		if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) {
			return { ok: false, reason: 'malformed', message: 'data is not a JWT' };
		}
		const header = decodeSegment(token.slice(0, token.indexOf('.')));
		if (header === undefined) {
			return { ok: false, reason: 'malformed', message: 'data is not a JWT' };
		}
		if (header.alg !== 'HS256') {
			return { ok: false, reason: 'rejected', message: 'invalid signature' };
		}
		for (const key of this.keys) {
			try {
				const claims = jwt.verify(token, key, { algorithms: ['HS256'] });
				if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
					return { ok: false, reason: 'malformed', message: 'payload is not an object' };
				}
				return { ok: true, claims: claims as Record<string, unknown> };
			} catch (error) {
				// Expired or not-yet-valid tokens fail for every key: no need to try the others.
				if (error instanceof jwt.TokenExpiredError || error instanceof jwt.NotBeforeError) break;
				if (isUnreadablePayload(error)) {
					return { ok: false, reason: 'malformed', message: 'data is not a JWT' };
				}
			}
		}
		return { ok: false, reason: 'rejected', message: 'invalid signature' };
	}
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
		return value !== null && typeof value === 'object' && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}

function isUnreadablePayload(error: unknown): boolean {
	return (
		error instanceof jwt.JsonWebTokenError &&
		(error.message === 'invalid token' || error.message === 'jwt malformed')
	);
}
