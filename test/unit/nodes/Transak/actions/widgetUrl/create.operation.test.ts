/**
 * Widget URL > Create against the fake Transak API: the body Create Widget URL documents, the
 * access token with the same expiry handling as every partner call, `{widgetUrl}` as the item.
 */
import { NodeApiError, type IDataObject } from 'n8n-workflow';

import { Transak } from '../../../../../../nodes/Transak/Transak.node';
import { apiPerTest, contextFor, emulateN8n, runTransak, storeFor } from '../../../../support/api';
import { caught, errorText, expectParameterError } from '../../../../support/n8n';

const SESSION = '/api/v2/auth/session';

const api = apiPerTest();

const WIDGET_PARAMS = {
	walletAddress: '0x86349020e9394b2BE1b1262531B0C3335fc32F20',
	cryptoCurrencyCode: 'eth',
	network: 'Ethereum',
	fiatCurrency: 'eur',
	fiatAmount: 100,
	defaultPaymentMethod: 'credit_debit_card',
	partnerOrderId: 'order-42',
	partnerCustomerId: 'customer-7',
	redirectURL: 'https://shop.example.com/thanks',
	productsAvailed: 'BUY',
	email: 'buyer@example.com',
};

const withDefaults = (parameters: IDataObject) => ({
	resource: 'widgetUrl',
	operation: 'create',
	referrerDomain: 'shop.example.com',
	widgetParams: {},
	...parameters,
});

const create = (parameters: IDataObject = {}) => runTransak(api.store, withDefaults(parameters));

const sessions = () => api.fake.requestsTo(SESSION);

describe('widgetUrl: create', () => {
	it('posts the documented body with the access token; one item {widgetUrl} that opens once', async () => {
		const items = await create({ widgetParams: WIDGET_PARAMS });
		expect(sessions().map((r) => [r.method, r.accessToken, r.body])).toEqual([
			[
				'POST',
				api.fake.accessToken,
				{
					widgetParams: {
						...WIDGET_PARAMS,
						cryptoCurrencyCode: 'ETH',
						network: 'ethereum',
						fiatCurrency: 'EUR',
						referrerDomain: 'shop.example.com',
						apiKey: api.fake.apiKey,
					},
				},
			],
		]);
		expect(items).toEqual([
			{ json: { widgetUrl: expect.stringContaining('sessionId=') }, pairedItem: { item: 0 } },
		]);
		const url = String(items[0].json.widgetUrl);
		expect(new URL(url).searchParams.get('apiKey')).toBe(api.fake.apiKey);
		expect((await fetch(url)).status).toBe(200);
		expect((await fetch(url)).status).toBe(410);
	});

	it('only the referrer domain is needed; empty widget parameters are not sent', async () => {
		await create({ widgetParams: { walletAddress: '  ', email: '' } });
		expect(sessions()[0].body).toEqual({
			widgetParams: { referrerDomain: 'shop.example.com', apiKey: api.fake.apiKey },
		});
	});

	it('other parameters as JSON are sent too; the fields and the credential’s API key win', async () => {
		await create({
			widgetParams: {
				fiatAmount: '250',
				additionalParams: JSON.stringify({
					exchangeScreenTitle: 'Buy ETH',
					fiatAmount: 1,
					apiKey: 'someone-else',
					referrerDomain: 'evil.example',
				}),
			},
		});
		expect(sessions()[0].body).toEqual({
			widgetParams: {
				exchangeScreenTitle: 'Buy ETH',
				fiatAmount: 250,
				referrerDomain: 'shop.example.com',
				apiKey: api.fake.apiKey,
			},
		});
	});

	it.each([
		[{ referrerDomain: ' ' }, 'Referrer Domain is empty'],
		[{ widgetParams: { fiatAmount: 0 } }, 'Widget parameter fiatAmount must be above 0'],
		[{ widgetParams: { cryptoAmount: 'x' } }, 'Widget parameter cryptoAmount must be above 0'],
		[
			{ widgetParams: { additionalParams: '[1, 2]' } },
			'Other Widget Parameters (JSON) must be a JSON object',
		],
		[
			{ widgetParams: { additionalParams: '{not json' } },
			'Other Widget Parameters (JSON) must be a JSON object',
		],
	])('refuses %j before any request: %s', async (parameters, message) => {
		await expectParameterError(create(parameters), message);
		expect(sessions()).toHaveLength(0);
	});

	it('Transak’s validation message as a NodeApiError', async () => {
		const error = await caught(create({ widgetParams: { email: 'not-an-address' } }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('widgetParams.email is not an email address');
		expect(error.httpCode).toBe('400');
	});

	it('an expired token with the API secret: refreshed once, then the URL is created with the new one', async () => {
		// A token past its own expiry time (n8n refreshes only such a token).
		api.store = storeFor(api.fake, {
			accessToken: api.fake.setAccessToken(api.fake.expiredToken()),
		});
		const [{ json }] = await create({ widgetParams: { fiatAmount: 100 } });
		expect(json.widgetUrl).toEqual(expect.stringContaining('sessionId='));
		expect(api.fake.refreshCalls).toBe(1);
		const tokens = sessions().map((r) => r.accessToken);
		expect(tokens).toHaveLength(2);
		expect(tokens[1]).toBe(api.fake.accessToken);
		expect(tokens[0]).not.toBe(tokens[1]);
		expect(JSON.stringify(json)).not.toContain(api.fake.accessToken);
	});

	it.each([2, 1] as const)(
		'an expired token without API secret: the token message, no secret in it (n8n %i.x)',
		async (major) => {
			emulateN8n(major);
			api.store = storeFor(api.fake, { accessToken: 'expired-token-1234567', apiSecret: '' });
			const error = await caught(create());
			expect(error).toBeInstanceOf(NodeApiError);
			expect(error.httpCode).toBe('401');
			expect(error.message).toContain('Generate a new access token');
			expect(errorText(error)).not.toContain('expired-token-1234567');
		},
	);

	it('a 403 from the gateway explains the IP whitelist', async () => {
		api.fake.failNext({
			path: SESSION,
			status: 403,
			body: { error: { statusCode: 403, message: 'Forbidden resource' } },
		});
		const error = await caught(create());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Forbidden resource');
		expect(error.httpCode).toBe('403');
		expect(String(error.description)).toContain('whitelisted');
	});

	it('an answer without data.widgetUrl is an error', async () => {
		api.fake.failNext({ path: SESSION, status: 200, body: { data: {} } });
		const error = await caught(create());
		expect(error.message).toBe(
			'Unexpected answer from Transak: the widget URL answer has no data.widgetUrl',
		);
	});

	it.each([
		['a number', 12345],
		['an empty string', ''],
		['no URL', 'not a url'],
		['another scheme', 'javascript:alert(1)'],
	])('a widgetUrl that is %s is an unexpected answer', async (_label, widgetUrl) => {
		api.fake.failNext({ path: SESSION, status: 200, body: { data: { widgetUrl } } });
		const error = await caught(create());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			'Unexpected answer from Transak: the widget URL answer has no data.widgetUrl',
		);
	});

	it.each([
		['staging', 'https://api-gateway-stg.transak.com'],
		['production', 'https://api-gateway.transak.com'],
	])('%s credentials call the API gateway %s', async (environment, gateway) => {
		api.store = storeFor(api.fake, { environment });
		const ctx = contextFor(api.store, { parameters: withDefaults({}) });
		const sent: IDataObject[] = [];
		// No traffic leaves the machine: the authenticated request is answered here.
		ctx.helpers.httpRequestWithAuthentication = async (type, options) => {
			sent.push({ type, ...options });
			return { data: { widgetUrl: `${gateway}/widget` } };
		};
		const [[item]] = await new Transak().execute.call(ctx);
		expect(item.json).toEqual({ widgetUrl: `${gateway}/widget` });
		expect(sent).toEqual([
			expect.objectContaining({
				type: 'transakApi',
				method: 'POST',
				baseURL: gateway,
				url: SESSION,
			}),
		]);
	});
});
