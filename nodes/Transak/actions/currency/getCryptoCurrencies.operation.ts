import { listOperation } from './list';

export const { option, description, execute } = listOperation(
	'cryptoCurrencies',
	{
		name: 'Get Crypto Currencies',
		description:
			'List the crypto currencies Transak sells, one item per currency and network: symbol, name, network (name, chainId), isAllowed. Use it to find the symbol and network a quote or a widget URL needs. Needs nothing.',
		action: 'Get crypto currencies and their networks',
	},
	['symbol', 'name', 'network.name'],
	'symbol, name or network',
);
