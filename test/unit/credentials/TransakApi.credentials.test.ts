import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import type { TransakApiCredentials } from '../../../nodes/Transak/transport/credentials';
import {
	CREDENTIAL_TEST_HEADER,
	credentialFingerprint,
	EXPIRED_UNTESTED_MESSAGE,
} from '../../../nodes/Transak/transport/token';
import { startFake, storeFor, type FakeApi } from '../support/api';
import {
	createRequestHelpers,
	credentialType,
	nodeOf,
	resolveExpression,
	testCredential,
} from '../support/n8n';

let fake: FakeApi;

beforeEach(async () => {
	fake = await startFake();
});

afterEach(async () => {
	await fake.close();
});

describe('Transak API credential definition', () => {
	it('keeps the contract’s fields', () => {
		const names = credentialType.properties.map((p) => p.name);
		expect(credentialType.name).toBe('transakApi');
		expect(credentialType.displayName).toBe('Transak API');
		for (const field of ['environment', 'baseUrl', 'apiKey', 'accessToken', 'apiSecret']) {
			expect(names).toContain(field);
		}
	});

	it('has one hidden, expirable, password field for the current token, so n8n runs preAuthentication', () => {
		const expirable = credentialType.properties.filter((p) => p.typeOptions?.expirable === true);
		expect(expirable).toHaveLength(1);
		expect(expirable[0]).toMatchObject({
			name: 'currentAccessToken',
			type: 'hidden',
			default: '',
			typeOptions: { expirable: true, password: true },
		});
		expect(typeof credentialType.preAuthentication).toBe('function');
	});

	it('resolves the test request’s base URL for every environment', () => {
		const baseURL = credentialType.test!.request.baseURL;
		expect(resolveExpression(baseURL, { environment: 'staging' })).toBe(
			'https://api-stg.transak.com',
		);
		expect(resolveExpression(baseURL, { environment: 'production' })).toBe(
			'https://api.transak.com',
		);
		expect(
			resolveExpression(baseURL, { environment: 'custom', baseUrl: 'http://127.0.0.1:4000//' }),
		).toBe('http://127.0.0.1:4000');
		expect(credentialType.test!.request.url).toBe('/partners/api/v2/orders');
	});

	it('the test request’s base URL is the same plain expression as when the URLs were typed in it', () => {
		expect(credentialType.test!.request.baseURL).toBe(
			'={{$credentials.environment === "custom" ? String($credentials.baseUrl).replace(/\\/+$/, "") : $credentials.environment === "production" ? "https://api.transak.com" : "https://api-stg.transak.com"}}',
		);
	});

	it('authenticate sends the user’s token until a refreshed one belongs to this credential', async () => {
		const base: TransakApiCredentials = {
			environment: 'staging',
			apiKey: 'key',
			accessToken: 'user-token',
		};
		const request: IHttpRequestOptions = { url: '/x', headers: { accept: 'application/json' } };
		const header = async (creds: TransakApiCredentials) =>
			(
				await new TransakApi().authenticate(
					creds as unknown as ICredentialDataDecryptedObject,
					request,
				)
			).headers!['access-token'];

		expect(await header(base)).toBe('user-token');
		const refreshed = {
			...base,
			currentAccessToken: 'refreshed',
			currentAccessTokenFor: credentialFingerprint(base),
		};
		expect(await header(refreshed)).toBe('refreshed');
		// Edited credential: new token, or another API key or environment -> the refreshed one is stale.
		expect(await header({ ...refreshed, accessToken: 'pasted' })).toBe('pasted');
		expect(await header({ ...refreshed, apiKey: 'other' })).toBe('user-token');
		expect(await header({ ...refreshed, environment: 'production' })).toBe('user-token');
		expect(request.headers).toEqual({ accept: 'application/json' }); // not mutated
	});

	it('preAuthentication on first use copies the token without any request', async () => {
		const httpRequest = jest.fn();
		const creds = {
			environment: 'staging',
			apiKey: 'k',
			accessToken: 't',
			apiSecret: 's',
			currentAccessToken: '',
		};
		const output = await credentialType.preAuthentication!.call(
			{ helpers: { httpRequest } },
			creds as ICredentialDataDecryptedObject,
		);
		expect(output).toEqual({
			currentAccessToken: 't',
			currentAccessTokenFor: credentialFingerprint(creds as never),
		});
		expect(httpRequest).not.toHaveBeenCalled();
	});
});

describe('preAuthentication refresh errors', () => {
	it('a failed refresh that hands out a token and echoes it: its own message masks the token', async () => {
		const unique = Math.random().toString(36).slice(2);
		const issued = `issued-${unique}-token-value`;
		const httpRequest = jest.fn(async () => ({
			statusCode: 502,
			headers: {},
			body: { message: `upstream kept ${issued}`, data: { accessToken: issued } },
		}));
		const creds = {
			environment: 'custom',
			baseUrl: 'http://127.0.0.1:9',
			apiKey: `key-${unique}`,
			accessToken: `refused-token-${unique}`, // no JWT exp: refreshed
			apiSecret: `secret-${unique}`,
			currentAccessToken: `refused-token-${unique}`,
		};
		const error = (await credentialType
			.preAuthentication!.call(
				{ helpers: { httpRequest } } as never,
				creds as ICredentialDataDecryptedObject,
			)
			.catch((e: unknown) => e)) as Error;
		expect(httpRequest).toHaveBeenCalledTimes(1);
		expect(error.message).toBe(
			'Could not refresh the Transak access token (HTTP 502: upstream kept [redacted]).',
		);
	});
});

describe('credential test against the fake Transak API (as n8n runs it)', () => {
	it('succeeds for a new credential without refreshing', async () => {
		const store = storeFor(fake);
		const result = await testCredential(credentialType, store);
		expect(result.status).toBe('OK');
		expect(fake.refreshCalls).toBe(0);
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'GET /partners/api/v2/orders',
		]);
		expect(fake.requests[0]).toMatchObject({
			query: { limit: '1' },
			accessToken: fake.accessToken,
		});
	});

	it('re-testing a saved, working credential neither refreshes nor writes', async () => {
		const store = storeFor(fake);
		await testCredential(credentialType, store);
		const writes = store.writes;
		fake.reset();
		const result = await testCredential(credentialType, store);
		expect(result.status).toBe('OK');
		expect(fake.refreshCalls).toBe(0);
		expect(store.writes).toBe(writes);
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'GET /partners/api/v2/orders',
		]);
	});

	it('a token replaced by another system: fails saying so, without refreshing it', async () => {
		const store = storeFor(fake);
		await testCredential(credentialType, store);
		fake.rotateAccessToken(); // another system refreshed with the same API key
		const result = await testCredential(credentialType, store);
		expect(result.status).toBe('Error');
		expect(result.message).toContain('it was replaced, probably refreshed by another system');
		expect(fake.refreshCalls).toBe(0);
	});

	it.each([2, 1] as const)(
		'with an expired token and the API secret: fails saying n8n refreshes it at first use, and never refreshes (n8n %i.x)',
		async (n8nMajor) => {
			const store = storeFor(fake, { accessToken: fake.setAccessToken(fake.expiredToken()) });
			const token = fake.accessToken;
			for (let attempt = 0; attempt < 2; attempt++) {
				const result = await testCredential(credentialType, store, { n8nMajor });
				expect(result.status).toBe('Error');
				expect(result.message).toBe(EXPIRED_UNTESTED_MESSAGE);
			}
			expect(fake.refreshCalls).toBe(0);
			// The token n8n (or another system) holds is still the one Transak knows.
			expect(fake.accessToken).toBe(token);
			expect(fake.requests.flatMap((r) => r.headerNames)).not.toContain(CREDENTIAL_TEST_HEADER);
			expect(fake.requests.length).toBeGreaterThan(0);
		},
	);

	it('after a failed test, the first real call refreshes the expired token once', async () => {
		const store = storeFor(fake, { accessToken: fake.setAccessToken(fake.expiredToken()) });
		await testCredential(credentialType, store);
		const helpers = createRequestHelpers({
			type: credentialType,
			store,
			node: nodeOf({ credentials: { transakApi: { id: store.id, name: store.name } } }),
		});
		await helpers.httpRequestWithAuthentication('transakApi', {
			method: 'GET',
			baseURL: fake.url,
			url: '/partners/api/v2/orders',
			json: true,
		});
		expect(fake.refreshCalls).toBe(1);
		expect(store.stored.currentAccessToken).toBe(fake.accessToken);
		const retest = await testCredential(credentialType, store);
		expect(retest.status).toBe('OK');
		expect(fake.refreshCalls).toBe(1);
	});

	it.each([2, 1] as const)(
		'with an expired token and no API secret: fails with the clear message (n8n %i.x)',
		async (n8nMajor) => {
			const expired = fake.setAccessToken(fake.expiredToken());
			const store = storeFor(fake, { accessToken: expired, apiSecret: '' });
			const result = await testCredential(credentialType, store, { n8nMajor });
			expect(result.status).toBe('Error');
			expect(result.message).toContain('The Transak access token has expired or is invalid');
			expect(fake.refreshCalls).toBe(0);
		},
	);

	it('data without the hidden fields at all (no n8n defaults): an expired token is explained, not refreshed', async () => {
		const expired = fake.setAccessToken(fake.expiredToken());
		const store = storeFor(fake, { accessToken: expired });
		const result = await testCredential(credentialType, store, {
			data: fake.credentials({ accessToken: expired }),
		});
		expect(result.status).toBe('Error');
		expect(result.message).toBe(EXPIRED_UNTESTED_MESSAGE);
		expect(fake.refreshCalls).toBe(0);
	});

	it('a wrong access token with no expiry time and an API secret: fails without trying to refresh', async () => {
		const store = storeFor(fake, { accessToken: 'not-a-valid-token', apiSecret: 'not-the-secret' });
		const result = await testCredential(credentialType, store);
		expect(result.status).toBe('Error');
		expect(result.message).toContain(
			'It carries no expiry time, so it has expired or was replaced',
		);
		expect(result.message).not.toContain('not-the-secret');
		expect(fake.refreshCalls).toBe(0);
	});

	it('a production credential targets api.transak.com (request built, not sent)', async () => {
		const store = storeFor(fake, { environment: 'production' });
		const data = store.decrypt();
		expect(data.baseUrl).toBeUndefined(); // only shown, and kept, for Custom
		expect(resolveExpression(credentialType.test!.request.baseURL, data)).toBe(
			'https://api.transak.com',
		);
	});
});
