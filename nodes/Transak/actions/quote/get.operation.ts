import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { getQuote, type QuoteQuery } from '../../transport/public';
import * as values from '../values';

const { catalogField, code, invalidParameter, networkName, positiveNumber } = values;
const { requiredText, setValues, textOf } = values;

export const option = {
	name: 'Get',
	description:
		"Get Transak's live price quote: how much crypto a fiat amount buys (or how much fiat a crypto amount costs or sells for), after fees. Needs buy or sell, fiat currency, crypto currency, network and an amount. Returns one item: quoteId, conversionPrice, fiatAmount, cryptoAmount, totalFee and feeBreakdown. Prices move: the quote is valid about a minute.",
	action: 'Get a price quote for buying or selling crypto',
};

const SIDES = [
	{
		name: 'Buy (On-Ramp)',
		value: 'BUY',
		description: 'The customer pays fiat and receives crypto',
	},
	{
		name: 'Sell (Off-Ramp)',
		value: 'SELL',
		description: 'The customer sends crypto and receives fiat',
	},
];

export const description: INodeProperties[] = [
	{
		displayName: 'Buy or Sell',
		name: 'isBuyOrSell',
		type: 'options',
		options: SIDES,
		default: 'BUY',
		description: 'Whether the customer buys crypto with fiat (BUY) or sells crypto for fiat (SELL)',
	},
	catalogField(
		'Fiat Currency',
		'fiatCurrency',
		'getFiatCurrencies',
		'ISO 4217 code of the fiat currency, e.g. EUR or USD',
		{ required: true },
	),
	catalogField(
		'Crypto Currency',
		'cryptoCurrency',
		'getCryptoCurrencies',
		"Transak's symbol of the crypto currency, e.g. ETH or USDC",
		{ required: true },
	),
	catalogField(
		'Network',
		'network',
		'getNetworks',
		"The blockchain network as Transak names it, e.g. ethereum, polygon, base, solana (BTC's is mainnet)",
		{ required: true, typeOptions: { loadOptionsDependsOn: ['cryptoCurrency'] } },
	),
	{
		displayName: 'Amount In',
		name: 'amountIn',
		type: 'options',
		options: [
			{
				name: 'Fiat',
				value: 'fiat',
				description: 'The amount is in the fiat currency (what the customer pays, or receives)',
			},
			{
				name: 'Crypto',
				value: 'crypto',
				description: 'The amount is in the crypto currency (what the customer receives, or sends)',
			},
		],
		default: 'fiat',
		description: 'Whether Amount is in the fiat or in the crypto currency',
	},
	{
		displayName: 'Amount',
		name: 'amount',
		type: 'number',
		// No fixed precision: the editor would show 100 as "100.00000000"; any decimals are kept.
		typeOptions: { minValue: 0 },
		required: true,
		default: 100,
		description: 'How much, in the currency chosen in Amount In; must be above 0',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			catalogField(
				'Payment Method',
				'paymentMethod',
				'getPaymentMethods',
				"Transak's ID of the payment method, e.g. credit_debit_card or sepa_bank_transfer; Transak picks the fiat currency's default when empty",
				{ typeOptions: { loadOptionsDependsOn: ['fiatCurrency'] } },
			),
			catalogField(
				'Quote Country',
				'quoteCountryCode',
				'getCountries',
				"ISO 3166 alpha-2 code of the customer's country, e.g. FR: prices, fees and limits then match what the widget shows them",
			),
		],
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const bad = (message: string) => invalidParameter.call(this, itemIndex, message);
	const side = textOf(this.getNodeParameter('isBuyOrSell', itemIndex, 'BUY')).toUpperCase();
	if (side !== 'BUY' && side !== 'SELL')
		throw bad(`Buy or Sell must be BUY or SELL, not "${side}"`);
	const text = (name: string, label: string, example: string) =>
		requiredText.call(this, name, itemIndex, label, `Choose one from the list, e.g. ${example}.`);
	const query: QuoteQuery = {
		isBuyOrSell: side,
		fiatCurrency: code(text('fiatCurrency', 'Fiat Currency', 'EUR')),
		cryptoCurrency: code(text('cryptoCurrency', 'Crypto Currency', 'ETH')),
		network: networkName(text('network', 'Network', 'ethereum')),
	};
	const amountIn = textOf(this.getNodeParameter('amountIn', itemIndex, 'fiat')).toLowerCase();
	if (amountIn !== 'fiat' && amountIn !== 'crypto')
		throw bad(`Amount In must be fiat or crypto, not "${amountIn}"`);
	const amount = positiveNumber(this.getNodeParameter('amount', itemIndex, undefined));
	if (amount === undefined) throw bad('Amount must be a number above 0');
	query[amountIn === 'fiat' ? 'fiatAmount' : 'cryptoAmount'] = amount;

	const options = setValues(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	if (options.paymentMethod !== undefined) query.paymentMethod = textOf(options.paymentMethod);
	if (options.quoteCountryCode !== undefined)
		query.quoteCountryCode = code(options.quoteCountryCode);
	return [await getQuote.call(this, query)];
}
