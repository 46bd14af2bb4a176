/**
 * Quote > Get against the fake Transak API: the query Transak's Get Price documents, no token,
 * Transak's quote as the item and Transak's words in errors.
 */
import { NodeApiError, type IDataObject } from 'n8n-workflow';

import { QUOTE_PARAMETERS } from '../../../../../../tools/transak/fixtures';
import { apiPerTest, runTransak, storeFor } from '../../../../support/api';
import { caught, errorText, expectParameterError } from '../../../../support/n8n';

const QUOTES = '/api/v1/pricing/public/quotes';
/** The fields of Transak's Get Price `response`, in its order. */
const QUOTE_FIELDS = [
	'quoteId',
	'conversionPrice',
	'marketConversionPrice',
	'slippage',
	'fiatCurrency',
	'cryptoCurrency',
	'paymentMethod',
	'fiatAmount',
	'cryptoAmount',
	'isBuyOrSell',
	'network',
	'feeDecimal',
	'totalFee',
	'feeBreakdown',
	'nonce',
];

const api = apiPerTest();

const BASE = { ...QUOTE_PARAMETERS, options: {} };

const quote = (
	parameters: IDataObject = {},
	options: { items?: IDataObject[]; continueOnFail?: boolean } = {},
) => runTransak(api.store, { ...BASE, ...parameters }, options);

const quoteRequests = () => api.fake.requestsTo(QUOTES);

describe('quote: get', () => {
	it('sends exactly the documented query, without a token, and returns Transak’s quote', async () => {
		const items = await quote();
		expect(quoteRequests().map((r) => [r.method, r.query, r.accessToken])).toEqual([
			[
				'GET',
				{
					partnerApiKey: api.fake.apiKey,
					isBuyOrSell: 'BUY',
					fiatCurrency: 'EUR',
					cryptoCurrency: 'ETH',
					network: 'ethereum',
					fiatAmount: '100',
				},
				undefined,
			],
		]);
		expect(items).toHaveLength(1);
		const [{ json, pairedItem }] = items;
		expect(pairedItem).toEqual({ item: 0 });
		expect(Object.keys(json)).toEqual(QUOTE_FIELDS);
		expect(json).toMatchObject({
			fiatCurrency: 'EUR',
			cryptoCurrency: 'ETH',
			network: 'ethereum',
			isBuyOrSell: 'BUY',
			fiatAmount: 100,
			paymentMethod: 'credit_debit_card',
		});
		expect(json.cryptoAmount).toBeGreaterThan(0);
		expect((json.feeBreakdown as IDataObject[]).map((f) => f.id)).toEqual([
			'transak_fee',
			'network_fee',
		]);
	});

	it('sell by crypto amount, with payment method and country; codes as an agent might write them', async () => {
		const [{ json }] = await quote({
			isBuyOrSell: 'sell',
			fiatCurrency: ' eur ',
			cryptoCurrency: 'eth',
			network: 'Ethereum',
			amountIn: 'crypto',
			amount: '0.25',
			options: { paymentMethod: 'sepa_bank_transfer', quoteCountryCode: 'fr' },
		});
		expect(quoteRequests()[0].query).toEqual({
			partnerApiKey: api.fake.apiKey,
			isBuyOrSell: 'SELL',
			fiatCurrency: 'EUR',
			cryptoCurrency: 'ETH',
			network: 'ethereum',
			cryptoAmount: '0.25',
			paymentMethod: 'sepa_bank_transfer',
			quoteCountryCode: 'FR',
		});
		expect(json).toMatchObject({ isBuyOrSell: 'SELL', cryptoAmount: 0.25 });
	});

	it('one quote per input item, each paired with its item', async () => {
		const amounts = [50, 200, 1000];
		const items = await quote(
			{ amount: (i: number) => amounts[i] },
			{ items: amounts.map(() => ({})) },
		);
		expect(items.map((i) => [i.json.fiatAmount, i.pairedItem])).toEqual(
			amounts.map((amount, item) => [amount, { item }]),
		);
		expect(quoteRequests().map((r) => r.query.fiatAmount)).toEqual(['50', '200', '1000']);
	});

	it('below the minimum: a NodeApiError with Transak’s message and HTTP 400, for its item', async () => {
		const error = await caught(quote({ amount: 10 }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			'Minimum fiat amount should be more than or equal to 30 EUR for Card Payment',
		);
		expect(error.httpCode).toBe('400');
		expect((error.context as IDataObject).itemIndex).toBe(0);
	});

	it('an unsupported pair: Transak’s message', async () => {
		const error = await caught(quote({ cryptoCurrency: 'ETH', network: 'polygon' }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			'ETH is not supported on network polygon (supported: ethereum, arbitrum, base)',
		);
	});

	it('continueOnFail: Transak’s message as the failed item’s error, the others still quoted', async () => {
		const amounts = [100, 5, 150];
		const items = await quote(
			{ amount: (i: number) => amounts[i] },
			{ items: amounts.map(() => ({})), continueOnFail: true },
		);
		expect(items[1]).toEqual({
			json: {
				error: 'Minimum fiat amount should be more than or equal to 30 EUR for Card Payment',
			},
			pairedItem: { item: 1 },
		});
		expect([items[0].json.fiatAmount, items[2].json.fiatAmount]).toEqual([100, 150]);
	});

	it.each([
		[{ amount: 0 }, 'Amount must be a number above 0'],
		[{ amount: -5 }, 'Amount must be a number above 0'],
		[{ amount: 'a lot' }, 'Amount must be a number above 0'],
		[{ fiatCurrency: '  ' }, 'Fiat Currency is empty'],
		[{ cryptoCurrency: '' }, 'Crypto Currency is empty'],
		[{ network: '' }, 'Network is empty'],
		[{ isBuyOrSell: 'HOLD' }, 'Buy or Sell must be BUY or SELL, not "HOLD"'],
		[{ amountIn: 'usd' }, 'Amount In must be fiat or crypto, not "usd"'],
	])('refuses %j before any request: %s', async (parameters, message) => {
		await expectParameterError(quote(parameters), message);
		expect(quoteRequests()).toHaveLength(0);
	});

	it('needs no valid access token: an expired one is neither sent nor refreshed', async () => {
		api.fake.expireAccessToken();
		const [{ json }] = await quote();
		expect(json.quoteId).toEqual(expect.any(String));
		expect(api.fake.refreshCalls).toBe(0);
		expect(api.fake.requests.every((r) => r.accessToken === undefined)).toBe(true);
	});

	it('a wrong API key: Transak’s message, not a token message', async () => {
		api.store = storeFor(api.fake, { apiKey: 'not-my-key' });
		const error = await caught(quote());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Invalid partnerApiKey');
		expect(error.message).not.toContain('access token');
	});

	it('an answer without a quote is an error, not an empty item', async () => {
		api.fake.failNext({ path: QUOTES, status: 200, body: { response: 'soon' } });
		const error = await caught(quote());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Unexpected answer from Transak: the price answer has no quote');
	});

	it('an unreachable API: says so, without secrets', async () => {
		const { accessToken, apiSecret } = api.fake;
		await api.fake.close();
		const error = await caught(quote());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Could not reach the Transak API (connection refused)');
		expect(errorText(error)).not.toContain(accessToken);
		expect(errorText(error)).not.toContain(apiSecret);
	});

	it('a hostile quote is copied without prototype keys', async () => {
		api.fake.failNext({
			path: QUOTES,
			status: 200,
			body: JSON.parse('{"response": {"quoteId": "q", "__proto__": {"polluted": true}}}'),
		});
		const [{ json }] = await quote();
		expect(json).toEqual({ quoteId: 'q' });
		expect(({} as IDataObject).polluted).toBeUndefined();
	});
});
