import jwt from 'jsonwebtoken';

import { JwtVerifier, SIGNATURE_MISMATCH } from '../../../../../nodes/Transak/verification/jwt';

const KEYS = ['current-token-aaaaaaaaaa', 'previous-token-bbbbbbbbb', 'api-secret-cccccccccccc'];
const claims = { eventID: 'ORDER_COMPLETED', webhookData: { id: 'order-1' } };

describe('JwtVerifier with several keys', () => {
	const verifier = new JwtVerifier(KEYS);
	let verify: jest.SpyInstance;
	beforeEach(() => (verify = jest.spyOn(jwt, 'verify')));
	afterEach(() => verify.mockRestore());

	it('accepts a token signed with any of the keys', () => {
		for (const key of KEYS) {
			expect(verifier.verify(jwt.sign(claims, key))).toMatchObject({ ok: true, claims });
		}
	});

	it('never decodes a token no key signed', () => {
		const check = verifier.verify(jwt.sign(claims, 'someone-else-dddddddddd'));
		expect(check).toEqual({ ok: false, reason: 'rejected', message: SIGNATURE_MISMATCH });
		expect(verify).not.toHaveBeenCalled();
	});

	it('a token signed with a later key is verified in full with that key only', () => {
		expect(verifier.verify(jwt.sign(claims, KEYS[2])).ok).toBe(true);
		expect(verify).toHaveBeenCalledTimes(1);
	});

	it('a later key still enforces exp, and HS256 only', () => {
		const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, KEYS[1]);
		expect(verifier.verify(expired)).toEqual({
			ok: false,
			reason: 'rejected',
			message: 'jwt expired',
		});
		const hs512 = jwt.sign(claims, KEYS[1], { algorithm: 'HS512' });
		expect(verifier.verify(hs512)).toMatchObject({ ok: false, reason: 'rejected' });
		expect(verifier.verify('not.a.jwt')).toMatchObject({ ok: false, reason: 'malformed' });
	});

	it("a later key's signature on a changed payload is refused without a full verification", () => {
		const [header, , signature] = jwt.sign(claims, KEYS[1]).split('.');
		const changed = Buffer.from(JSON.stringify({ ...claims, eventID: 'ORDER_REFUNDED' })).toString(
			'base64url',
		);
		expect(verifier.verify(`${header}.${changed}.${signature}`)).toEqual({
			ok: false,
			reason: 'rejected',
			message: SIGNATURE_MISMATCH,
		});
		expect(verify).not.toHaveBeenCalled();
	});
});

describe('JwtVerifier: the signature before the payload', () => {
	const verifier = new JwtVerifier(KEYS);
	const b64 = (text: string) => Buffer.from(text).toString('base64url');
	const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
	const hmac = (signed: string, key: string) =>
		require('crypto').createHmac('sha256', key).update(signed).digest('base64url') as string;

	it('a forged 1 MiB token is refused without its payload ever being parsed', () => {
		const payload = b64(JSON.stringify({ filler: 'x'.repeat(760_000) }));
		const token = `${HEADER}.${payload}.${hmac(`${HEADER}.${payload}`, 'forger-key-000000000')}`;
		expect(token.length).toBeGreaterThan(1_000_000);
		const parse = jest.spyOn(JSON, 'parse');
		try {
			expect(verifier.verify(token)).toEqual({
				ok: false,
				reason: 'rejected',
				message: SIGNATURE_MISMATCH,
			});
			// The header only (a few dozen characters).
			for (const [text] of parse.mock.calls) expect(String(text).length).toBeLessThan(100);
		} finally {
			parse.mockRestore();
		}
	});

	it('a payload that is no JSON object is malformed (400), and its text is never echoed', () => {
		const hostile = b64('hello\nworld \u202e evil');
		for (const key of [KEYS[0], 'forger-key-000000000']) {
			const check = verifier.verify(`${HEADER}.${hostile}.${hmac(`${HEADER}.${hostile}`, key)}`);
			expect(check).toEqual({
				ok: false,
				reason: 'malformed',
				message: 'payload is not a JSON object',
			});
		}
		// Shaped like an object, yet no JSON: only the key's holder can get this far.
		const broken = b64('{"a": 1, evil\u202e}');
		const signed = verifier.verify(`${HEADER}.${broken}.${hmac(`${HEADER}.${broken}`, KEYS[0])}`);
		expect(signed).toEqual({ ok: false, reason: 'malformed', message: 'payload is not JSON' });
		const forged = verifier.verify(`${HEADER}.${broken}.${hmac(`${HEADER}.${broken}`, 'x-key')}`);
		expect(forged).toEqual({ ok: false, reason: 'rejected', message: SIGNATURE_MISMATCH });
	});

	it('a header that is no JSON, too long, or not HS256 is refused before any key is tried', () => {
		const payload = b64(JSON.stringify(claims));
		const withHeader = (header: string) => `${b64(header)}.${payload}.sig`;
		expect(verifier.verify(withHeader('{"alg":"HS256"\n'))).toMatchObject({ reason: 'malformed' });
		expect(
			verifier.verify(withHeader(JSON.stringify({ alg: 'HS256', x: 'y'.repeat(2000) }))),
		).toMatchObject({
			reason: 'malformed',
		});
		expect(verifier.verify(withHeader(JSON.stringify({ alg: 'none' })))).toEqual({
			ok: false,
			reason: 'rejected',
			message: 'invalid algorithm',
		});
		expect(verifier.verify(`${HEADER}.${payload}.sig.extra`)).toMatchObject({
			reason: 'malformed',
		});
	});
});
