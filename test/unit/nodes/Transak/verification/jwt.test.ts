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

	it('decodes a token no key signed once, not once per key', () => {
		const check = verifier.verify(jwt.sign(claims, 'someone-else-dddddddddd'));
		expect(check).toEqual({ ok: false, reason: 'rejected', message: SIGNATURE_MISMATCH });
		expect(verify).toHaveBeenCalledTimes(1);
	});

	it('a token signed with a later key is verified in full with that key only', () => {
		expect(verifier.verify(jwt.sign(claims, KEYS[2])).ok).toBe(true);
		expect(verify).toHaveBeenCalledTimes(2);
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
		expect(verify).toHaveBeenCalledTimes(1);
	});
});
