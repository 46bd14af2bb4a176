/**
 * Currency > Get Crypto Currencies / Get Fiat Currencies / Get Countries against the fake Transak
 * API: one item per entry of Transak's public lists, no token sent.
 */
import { NodeApiError, type IDataObject } from 'n8n-workflow';

import { apiPerTest, runTransak } from '../../../../support/api';
import { caught } from '../../../../support/n8n';

/* eslint-disable @typescript-eslint/no-require-imports */
const catalog = require('../../../../../../tools/transak/catalog');
/* eslint-enable @typescript-eslint/no-require-imports */

const api = apiPerTest();

const list = (
	operation: string,
	listFilters: IDataObject = {},
	options: { items?: IDataObject[]; continueOnFail?: boolean } = {},
) => runTransak(api.store, { resource: 'currency', operation, listFilters }, options);

const OPERATIONS: Array<[string, string, () => IDataObject[]]> = [
	['getCryptoCurrencies', '/api/v2/currencies/crypto-currencies', catalog.cryptoCurrencies],
	['getFiatCurrencies', '/api/v2/currencies/fiat-currencies', catalog.fiatCurrencies],
	['getCountries', '/api/v2/countries', catalog.countries],
];

describe.each(OPERATIONS)('currency: %s', (operation, path, entries) => {
	it(`one item per entry of GET ${path}, as Transak lists it, sent without a token`, async () => {
		const items = await list(operation);
		expect(items.map((i) => i.json)).toEqual(entries());
		expect(new Set(items.map((i) => JSON.stringify(i.pairedItem)))).toEqual(
			new Set([`{"item":0}`]),
		);
		expect(api.fake.requestsTo(path).map((r) => [r.method, r.query, r.accessToken])).toEqual([
			['GET', {}, undefined],
		]);
	});

	it('several input items: one request per execution, every entry for each item, paired', async () => {
		const items = await list(operation, {}, { items: [{ json: {} }, { json: {} }, { json: {} }] });
		expect(items).toHaveLength(3 * entries().length);
		expect(items.map((i) => (i.pairedItem as { item: number }).item)).toEqual(
			[0, 1, 2].flatMap((index) => entries().map(() => index)),
		);
		// Each item its own objects.
		expect(items[0].json).toEqual(items[entries().length].json);
		expect(items[0].json).not.toBe(items[entries().length].json);
		expect(api.fake.requestsTo(path)).toHaveLength(1);
	});

	it('several input items and a failed fetch: continueOnFail gives each its error item, one request', async () => {
		api.fake.failNext({ path, status: 500, body: { message: 'Something went wrong' } });
		const items = await list(
			operation,
			{},
			{ items: [{ json: {} }, { json: {} }], continueOnFail: true },
		);
		expect(items).toEqual([
			{ json: { error: 'Something went wrong' }, pairedItem: { item: 0 } },
			{ json: { error: 'Something went wrong' }, pairedItem: { item: 1 } },
		]);
		expect(api.fake.requestsTo(path)).toHaveLength(1);
	});

	it('an answer without a list is an error', async () => {
		api.fake.failNext({ path, status: 200, body: { response: { not: 'a list' } } });
		const error = await caught(list(operation));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/^Unexpected answer from Transak: the \w+ answer has no list$/);
	});

	it('Transak’s error message as a NodeApiError', async () => {
		api.fake.failNext({
			path,
			status: 500,
			body: { error: { statusCode: 500, message: 'Something went wrong' } },
		});
		const error = await caught(list(operation));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Something went wrong');
		expect(error.httpCode).toBe('500');
	});
});

describe('currency lists: search', () => {
	it('crypto: by symbol, name or network, in any case', async () => {
		const usdc = await list('getCryptoCurrencies', { search: 'usdc' });
		expect(usdc.map((i) => (i.json.network as IDataObject).name)).toEqual([
			'ethereum',
			'polygon',
			'base',
			'solana',
		]);
		const onPolygon = await list('getCryptoCurrencies', { search: 'POLYGON' });
		expect(onPolygon.map((i) => i.json.symbol)).toEqual(['USDC', 'POL']);
	});

	it('fiat by name, countries by code', async () => {
		expect((await list('getFiatCurrencies', { search: 'euro' })).map((i) => i.json.symbol)).toEqual(
			['EUR'],
		);
		expect((await list('getCountries', { search: 'fra' })).map((i) => i.json.alpha2)).toEqual([
			'FR',
		]);
		expect(await list('getCountries', { search: 'atlantis' })).toEqual([]);
	});
});
