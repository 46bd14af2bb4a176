import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { isObject } from '../../model/guards';
import { createWidgetUrl } from '../../transport/widget';
import {
	catalogField,
	code,
	invalidParameter,
	networkName,
	positiveNumber,
	requiredText,
	setValues,
} from '../values';

export const option = {
	name: 'Create',
	description:
		"Create a Transak payment link: a widget URL where the customer buys (or sells) crypto, prefilled with the given wallet, currencies and amount. Needs the referrer domain; everything else is optional. Returns one item: widgetUrl. The URL works once and expires after 5 minutes: send it to the customer straight away. Transak only accepts these calls from the partner's whitelisted server IP addresses.",
	action: 'Create a payment link (widget URL)',
};

const PRODUCTS = [
	{ name: 'Buy and Sell', value: 'BUY,SELL' },
	{ name: 'Buy Only', value: 'BUY' },
	{ name: 'Sell Only', value: 'SELL' },
];

/** Widget parameters read as numbers, and as codes; the text ones are trimmed, the rest passed as set. */
const NUMBERS = ['fiatAmount', 'cryptoAmount'] as const;
const CODES = ['cryptoCurrencyCode', 'fiatCurrency'] as const;

export const description: INodeProperties[] = [
	{
		displayName:
			'The URL works once and for 5 minutes. Transak accepts this call only from server IP addresses whitelisted in its partner dashboard.',
		name: 'widgetUrlNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Referrer Domain',
		name: 'referrerDomain',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'shop.example.com',
		description:
			'The domain of your website (or the package name of your mobile app) where the customer comes from',
	},
	{
		displayName: 'Widget Parameters',
		name: 'widgetParams',
		type: 'collection',
		placeholder: 'Add Widget Parameter',
		default: {},
		description: "Prefills Transak's widget; the customer can change what is not locked",
		options: [
			{
				displayName: 'Color Mode',
				name: 'colorMode',
				type: 'options',
				options: [
					{ name: 'Light', value: 'LIGHT' },
					{ name: 'Dark', value: 'DARK' },
				],
				default: 'LIGHT',
				description: 'Whether the widget is light or dark',
			},
			{
				displayName: 'Crypto Amount',
				name: 'cryptoAmount',
				type: 'number',
				// No fixed precision: the editor would show 100 as "100.00000000"; any decimals are kept.
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'How much crypto to sell (sell flows)',
			},
			catalogField(
				'Crypto Currency',
				'cryptoCurrencyCode',
				'getCryptoCurrencies',
				"Transak's symbol of the crypto currency to buy or sell, e.g. ETH or USDC",
			),
			catalogField(
				'Default Payment Method',
				'defaultPaymentMethod',
				'getPaymentMethods',
				"Transak's ID of the payment method preselected in the widget, e.g. credit_debit_card",
				{ typeOptions: { loadOptionsDependsOn: ['widgetParams.fiatCurrency'] } },
			),
			{
				displayName: 'Disable Wallet Address Form',
				name: 'disableWalletAddressForm',
				type: 'boolean',
				default: true,
				description:
					'Whether the customer is kept from changing the wallet address given in Wallet Address',
			},
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: "The customer's email address, prefilled in the widget",
			},
			{
				displayName: 'Fiat Amount',
				name: 'fiatAmount',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 2 },
				default: 100,
				description: 'How much fiat the customer pays (buy flows), e.g. the fiatAmount of a quote',
			},
			catalogField(
				'Fiat Currency',
				'fiatCurrency',
				'getFiatCurrencies',
				'ISO 4217 code of the fiat currency, e.g. EUR',
			),
			{
				displayName: 'Hide Menu',
				name: 'hideMenu',
				type: 'boolean',
				default: true,
				description: "Whether the widget's menu is hidden",
			},
			catalogField(
				'Network',
				'network',
				'getNetworks',
				'The blockchain network as Transak names it, e.g. ethereum or polygon',
				{ typeOptions: { loadOptionsDependsOn: ['widgetParams.cryptoCurrencyCode'] } },
			),
			{
				displayName: 'Other Widget Parameters (JSON)',
				name: 'additionalParams',
				type: 'json',
				default: '{}',
				description:
					'Any other parameter from Transak\'s widget documentation, as a JSON object, e.g. {"exchangeScreenTitle": "Buy ETH"}. The fields above take precedence.',
			},
			{
				displayName: 'Partner Customer ID',
				name: 'partnerCustomerId',
				type: 'string',
				default: '',
				description: "Your ID of the customer; Transak's orders and KYC events carry it",
			},
			{
				displayName: 'Partner Order ID',
				name: 'partnerOrderId',
				type: 'string',
				default: '',
				description:
					'Your ID of this purchase; the resulting order carries it (find it with Order > Get Many, or follow it with the Transak WebSocket Trigger)',
			},
			{
				displayName: 'Products',
				name: 'productsAvailed',
				type: 'options',
				options: PRODUCTS,
				default: 'BUY',
				description: 'Whether the widget offers buying, selling or both',
			},
			{
				displayName: 'Redirect URL',
				name: 'redirectURL',
				type: 'string',
				default: '',
				placeholder: 'https://shop.example.com/thank-you',
				description: 'Where Transak sends the customer once the order is placed',
			},
			{
				displayName: 'Theme Color',
				name: 'themeColor',
				type: 'color',
				default: '#0364ff',
				description: "The widget's accent color",
			},
			{
				displayName: 'Wallet Address',
				name: 'walletAddress',
				type: 'string',
				default: '',
				placeholder: '0x...',
				description: 'The wallet that receives the crypto (buy flows)',
			},
		],
	},
];

/** The JSON object of `additionalParams` (text or an object from an expression). */
function additionalParams(this: IExecuteFunctions, value: unknown, itemIndex: number): IDataObject {
	if (value === undefined || value === null || value === '') return {};
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			parsed = undefined;
		}
	}
	if (!isObject(parsed)) {
		throw invalidParameter.call(
			this,
			itemIndex,
			'Other Widget Parameters (JSON) must be a JSON object',
			'For example {"exchangeScreenTitle": "Buy ETH"}.',
		);
	}
	return parsed;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const referrerDomain = requiredText.call(
		this,
		'referrerDomain',
		itemIndex,
		'Referrer Domain',
		'Enter the domain of your website (or your app package name), e.g. shop.example.com.',
	);
	const { additionalParams: extra, ...chosen } = setValues(
		this.getNodeParameter('widgetParams', itemIndex, {}) as IDataObject,
	);
	const params: IDataObject = { ...additionalParams.call(this, extra, itemIndex), ...chosen };
	for (const name of NUMBERS) {
		if (chosen[name] === undefined) continue;
		const value = positiveNumber(chosen[name]);
		if (value === undefined)
			throw invalidParameter.call(this, itemIndex, `Widget parameter ${name} must be above 0`);
		params[name] = value;
	}
	for (const name of CODES) if (chosen[name] !== undefined) params[name] = code(chosen[name]);
	if (chosen.network !== undefined) params.network = networkName(chosen.network);
	const widgetUrl = await createWidgetUrl.call(this, { ...params, referrerDomain });
	return [{ widgetUrl }];
}
