import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import {
	countryChoices,
	cryptoChoices,
	fiatChoices,
	networkChoices,
	paymentMethodChoices,
} from '../model/catalog';
import { listCatalog } from '../transport/public';

/*
 * The choices of the Transak node's currency, network, payment method and country fields, from
 * Transak's public lists. Networks follow the chosen crypto currency, payment methods the chosen
 * fiat currency (when one is chosen and is not an expression).
 */

/** The value chosen in the quote's `quoteName` field or the widget's `widgetParams.<widgetName>`. */
function chosen(
	context: ILoadOptionsFunctions,
	quoteName: string,
	widgetName: string,
): string | undefined {
	try {
		const resource = context.getCurrentNodeParameter('resource');
		const value = context.getCurrentNodeParameter(
			resource === 'widgetUrl' ? `widgetParams.${widgetName}` : quoteName,
		);
		if (typeof value !== 'string') return undefined;
		const code = value.trim();
		return code === '' || code.startsWith('=') || code.includes('{{') ? undefined : code;
	} catch {
		return undefined;
	}
}

export async function getCryptoCurrencies(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	return cryptoChoices(await listCatalog.call(this, 'cryptoCurrencies'));
}

export async function getNetworks(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const symbol = chosen(this, 'cryptoCurrency', 'cryptoCurrencyCode');
	return networkChoices(await listCatalog.call(this, 'cryptoCurrencies'), symbol);
}

export async function getFiatCurrencies(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	return fiatChoices(await listCatalog.call(this, 'fiatCurrencies'));
}

export async function getPaymentMethods(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const fiat = chosen(this, 'fiatCurrency', 'fiatCurrency');
	return paymentMethodChoices(await listCatalog.call(this, 'fiatCurrencies'), fiat);
}

export async function getCountries(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	return countryChoices(await listCatalog.call(this, 'countries'));
}
