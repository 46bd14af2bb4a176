import { listOperation } from './list';

export const { option, description, execute } = listOperation(
	'fiatCurrencies',
	{
		name: 'Get Fiat Currencies',
		description:
			'List the fiat currencies Transak accepts, one item per currency: symbol, name, isAllowed and paymentOptions (each payment method with its ID and its minimum and maximum amount). Needs nothing.',
		action: 'Get fiat currencies and their payment methods',
	},
	['symbol', 'name'],
	'symbol or name',
);
