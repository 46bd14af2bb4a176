/**
 * The dropdowns of the Transak node: Transak's lists from the fake API as choices, networks and
 * payment methods following what is chosen, and every such field open to an expression.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { Transak } from '../../../../../nodes/Transak/Transak.node';
import * as loadOptions from '../../../../../nodes/Transak/methods/loadOptions';
import { apiPerTest, loadOptionsFor } from '../../../support/api';

const api = apiPerTest();

type Method = keyof typeof loadOptions;

async function choices(method: Method, parameters: IDataObject = {}) {
	return await loadOptions[method].call(loadOptionsFor(api.store, parameters));
}

const values = (list: Array<{ value: unknown }>) => list.map((c) => c.value);

describe('loadOptions', () => {
	it('crypto currencies: one choice per symbol, by name, described by its networks; not allowed ones left out', async () => {
		const list = await choices('getCryptoCurrencies');
		expect(list).toEqual([
			{ name: 'Bitcoin (BTC)', value: 'BTC', description: 'Networks: mainnet' },
			{ name: 'Ethereum (ETH)', value: 'ETH', description: 'Networks: ethereum, arbitrum, base' },
			{ name: 'Polygon Ecosystem Token (POL)', value: 'POL', description: 'Networks: polygon' },
			{ name: 'Solana (SOL)', value: 'SOL', description: 'Networks: solana' },
			{ name: 'Tether (USDT)', value: 'USDT', description: 'Networks: ethereum, tron' },
			{
				name: 'USD Coin (USDC)',
				value: 'USDC',
				description: 'Networks: ethereum, polygon, base, solana',
			},
		]);
		expect(api.fake.requests.every((r) => r.accessToken === undefined)).toBe(true);
	});

	it('networks follow the chosen crypto currency (quote and widget alike)', async () => {
		expect(
			values(await choices('getNetworks', { resource: 'quote', cryptoCurrency: 'usdc' })),
		).toEqual(['base', 'ethereum', 'polygon', 'solana']);
		expect(
			values(
				await choices('getNetworks', {
					resource: 'widgetUrl',
					cryptoCurrency: 'USDC',
					widgetParams: { cryptoCurrencyCode: 'ETH' },
				}),
			),
		).toEqual(['arbitrum', 'base', 'ethereum']);
		const all = ['arbitrum', 'base', 'ethereum', 'mainnet', 'polygon', 'solana', 'tron'];
		expect(values(await choices('getNetworks', { resource: 'quote' }))).toEqual(all);
		expect(
			values(
				await choices('getNetworks', { resource: 'quote', cryptoCurrency: '={{ $json.coin }}' }),
			),
		).toEqual(all);
		expect(
			await choices('getNetworks', { resource: 'quote', cryptoCurrency: 'ETH' }),
		).toContainEqual({ name: 'ethereum', value: 'ethereum', description: 'Chain ID 1' });
	});

	it('payment methods follow the chosen fiat currency, with its limits', async () => {
		expect(await choices('getPaymentMethods', { resource: 'quote', fiatCurrency: 'EUR' })).toEqual([
			{ name: 'Apple Pay', value: 'apple_pay', description: '30-1500 EUR' },
			{ name: 'Card Payment', value: 'credit_debit_card', description: '30-3000 EUR' },
			{ name: 'SEPA Bank Transfer', value: 'sepa_bank_transfer', description: '20-15000 EUR' },
		]);
		expect(
			values(
				await choices('getPaymentMethods', {
					resource: 'widgetUrl',
					widgetParams: { fiatCurrency: 'INR' },
				}),
			),
		).toEqual(['upi']);
		expect(values(await choices('getPaymentMethods', { resource: 'quote' }))).toEqual([
			'apple_pay',
			'credit_debit_card',
			'gbp_bank_transfer',
			'sepa_bank_transfer',
			'upi',
		]);
	});

	it('fiat currencies and countries (countries Transak does not serve left out)', async () => {
		expect(await choices('getFiatCurrencies')).toEqual([
			{ name: 'Euro (EUR)', value: 'EUR' },
			{ name: 'Indian Rupee (INR)', value: 'INR' },
			{ name: 'Pound Sterling (GBP)', value: 'GBP' },
			{ name: 'US Dollar (USD)', value: 'USD' },
		]);
		const countries = values(await choices('getCountries'));
		expect(countries).toContain('FR');
		expect(countries).not.toContain('KP');
	});

	it('a failing list is an error the editor can show, with Transak’s words', async () => {
		api.fake.failNext({
			path: '/api/v2/countries',
			status: 503,
			body: { error: { statusCode: 503, message: 'Service unavailable' } },
		});
		await expect(choices('getCountries')).rejects.toThrow('Service unavailable');
	});
});

/** Every parameter, collections' options included. */
function allFields(properties: INodeProperties[]): INodeProperties[] {
	return properties.flatMap((p) => [
		p,
		...allFields(((p.options ?? []) as INodeProperties[]).filter((o) => 'type' in o)),
	]);
}

describe('fields with choices from Transak', () => {
	const fields = allFields(new Transak().description.properties).filter(
		(p) => p.typeOptions?.loadOptionsMethod !== undefined,
	);

	it('are the quote’s and the widget’s currency, network, payment method and country fields', () => {
		expect(fields.map((f) => `${f.name}:${f.typeOptions?.loadOptionsMethod}`).sort()).toEqual(
			[
				'cryptoCurrency:getCryptoCurrencies',
				'fiatCurrency:getFiatCurrencies',
				'network:getNetworks',
				'paymentMethod:getPaymentMethods',
				'quoteCountryCode:getCountries',
				'cryptoCurrencyCode:getCryptoCurrencies',
				'fiatCurrency:getFiatCurrencies',
				'network:getNetworks',
				'defaultPaymentMethod:getPaymentMethods',
			].sort(),
		);
	});

	it('each names an existing method, and takes an expression', () => {
		const { methods } = new Transak();
		for (const field of fields) {
			expect(Object.keys(methods.loadOptions)).toContain(field.typeOptions?.loadOptionsMethod);
			expect(field.noDataExpression).not.toBe(true);
			expect(field.description).toContain('expression');
		}
	});
});
