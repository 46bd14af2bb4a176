import { TransakApi } from '../../../../../credentials/TransakApi.credentials';
import {
	credentialSecrets,
	displayUrl,
	PUBLIC_CREDENTIAL_FIELDS,
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

	it("masks every field of the credential but the public ones, which are its definition's non-password fields and the API key", () => {
		const fields = new TransakApi().properties;
		const notPasswords = fields.filter((f) => f.typeOptions?.password !== true).map((f) => f.name);
		expect([...PUBLIC_CREDENTIAL_FIELDS].sort()).toEqual([...notPasswords, 'apiKey'].sort());

		// A secret field added to the credential is masked without being named anywhere else.
		const added = unique('a-new-secret-field-value');
		const secrets = credentialSecrets({ environment: 'staging', apiKey: 'key-1234567890', added });
		expect(secrets).toEqual([added]);
		expect(scrubSecrets(`${added} staging key-1234567890`)).toBe(
			'[redacted] staging key-1234567890',
		);
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

describe('scrubSecrets: echoes in other forms', () => {
	const secret = 'echo-secret-Value/With+Chars=0123456789';
	const masked = (text: string) => scrubSecrets(text, [secret]);
	const bytes = Buffer.from(secret, 'utf8');

	it.each([
		['upper-cased', secret.toUpperCase()],
		['lower-cased', secret.toLowerCase()],
		['URL-encoded', encodeURIComponent(secret)],
		['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
		['base64', bytes.toString('base64')],
		['base64url', bytes.toString('base64url')],
		['wrapped at 10 characters', secret.replace(/(.{10})/g, '$1\n')],
		['wrapped with CRLF', secret.replace(/(.{7})/g, '$1\r\n')],
		['base64, wrapped', bytes.toString('base64').replace(/(.{16})/g, '$1\n')],
	])('masks a %s echo', (_, form) => {
		const text = masked(`Transak said: ${form} (end)`);
		expect(text).toBe('Transak said: [redacted] (end)');
	});

	it('masks the login of any URL, and a proxy login in the credential everywhere', () => {
		expect(scrubSecrets('GET http://user:p4ss@proxy.internal:8080/x failed')).toBe(
			'GET http://[redacted]@proxy.internal:8080/x failed',
		);
		const secrets = credentialSecrets({ baseUrl: 'http://alice:proxy-pass-123456789@proxy:3128' });
		expect(secrets).toContain('proxy-pass-123456789');
		expect(scrubSecrets('auth proxy-pass-123456789 refused')).toBe('auth [redacted] refused');
		expect(displayUrl('https://alice:pw@proxy:3128/base')).toBe(
			'https://[redacted]@proxy:3128/base',
		);
	});

	it('reads at most a bounded prefix of a huge text, and still masks a secret at the start', () => {
		const huge = `${secret} ${'x'.repeat(4_000_000)}`;
		const text = masked(huge);
		expect(text.startsWith('[redacted] xxx')).toBe(true);
		expect(text.length).toBeLessThanOrEqual(501);
	});
});
