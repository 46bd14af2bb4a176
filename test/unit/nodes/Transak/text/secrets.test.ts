import {
	credentialSecrets,
	rememberSecrets,
	scrubSecrets,
} from '../../../../../nodes/Transak/text/secrets';

const unique = (label: string) =>
	`${label}-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

describe('scrubSecrets', () => {
	it('masks the given secrets and their URL-encoded forms', () => {
		const secret = `${unique('tok')}/+=`;
		const text = `a ${secret} b ${encodeURIComponent(secret)} c`;
		expect(scrubSecrets(text, [secret])).toBe('a [redacted] b [redacted] c');
	});

	it('masks every secret the process has held, even when the caller did not know it', () => {
		const refreshed = unique('refreshed-token');
		rememberSecrets([refreshed]);
		expect(scrubSecrets(`echo ${refreshed}!`)).toBe('echo [redacted]!');
		expect(scrubSecrets(`echo ${refreshed}!`, ['another-secret-value'])).toBe('echo [redacted]!');
	});

	it('remembers the secrets of every credential it is shown', () => {
		const previous = unique('previous-token');
		credentialSecrets({
			accessToken: '',
			previousAccessToken: previous,
			apiKey: 'not-a-secret-key',
		});
		expect(scrubSecrets(`${previous} not-a-secret-key`)).toBe('[redacted] not-a-secret-key');
	});

	it('masks short secrets where given, but never remembers them process-wide', () => {
		expect(scrubSecrets('the word secret1', ['secret1'])).toBe('the word [redacted]');
		expect(scrubSecrets('the word secret1')).toBe('the word secret1');
		expect(scrubSecrets('abc abc', ['abc'])).toBe('abc abc'); // too short to mask at all
	});

	it('masks the longer secret first when one contains another', () => {
		const inner = unique('inner-secret');
		const outer = `${inner}-and-more`;
		rememberSecrets([inner, outer]);
		expect(scrubSecrets(`x ${outer} y`)).toBe('x [redacted] y');
	});

	it('is bounded: the least recently seen secrets are forgotten first', () => {
		const old = unique('old-secret-value');
		const kept = unique('kept-secret-value');
		rememberSecrets([old, kept]);
		for (let i = 0; i < 1_000; i += 1) {
			rememberSecrets([`filler-secret-${i}-${unique('f')}`]);
			if (i % 100 === 0) rememberSecrets([kept]); // still in use
		}
		expect(scrubSecrets(`${old} ${kept}`)).toBe(`${old} [redacted]`);
	});

	it('cuts long text after masking, never through a secret', () => {
		const secret = unique('long-secret-value');
		const text = `${'x'.repeat(495)}${secret}${'y'.repeat(100)}`;
		const scrubbed = scrubSecrets(text, [secret]);
		expect(scrubbed).toBe(`${'x'.repeat(495)}[reda…`);
		expect(scrubbed).not.toContain(secret.slice(0, 6));
	});
});
