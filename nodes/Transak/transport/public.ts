import type { IDataObject, IN8nHttpFullResponse } from 'n8n-workflow';

import { entriesOf, quoteOf } from '../model/catalog';
import { CREDENTIAL_TYPE, type TransakApiCredentials } from './credentials';
import { statusError, transakError, unexpectedAnswer } from './errors';
import { baseUrlFor } from './hosts';
import type { IAllExecuteFunctions } from './index';
import { transakRequestOptions } from './request';
import { credentialSecrets } from '../text/secrets';

/*
 * Transak's public endpoints: Get Price and the currency and country lists. They take no token, so
 * none is sent: the calls go through n8n's plain httpRequest, not the credential's authentication.
 * Only the API key is sent, as `partnerApiKey`, where Transak asks for it.
 */

const PATHS = {
	quotes: '/api/v1/pricing/public/quotes',
	cryptoCurrencies: '/api/v2/currencies/crypto-currencies',
	fiatCurrencies: '/api/v2/currencies/fiat-currencies',
	countries: '/api/v2/countries',
} as const;

export type CatalogList = 'cryptoCurrencies' | 'fiatCurrencies' | 'countries';

export interface QuoteQuery {
	isBuyOrSell: 'BUY' | 'SELL';
	fiatCurrency: string;
	cryptoCurrency: string;
	network: string;
	fiatAmount?: number;
	cryptoAmount?: number;
	paymentMethod?: string;
	quoteCountryCode?: string;
}

/** GETs a public endpoint (with `partnerApiKey` when asked); Transak's error words as a NodeApiError. */
async function publicGet(
	this: IAllExecuteFunctions,
	path: string,
	qs: IDataObject = {},
	{ partnerApiKey = false } = {},
): Promise<unknown> {
	const credentials = (await this.getCredentials(
		CREDENTIAL_TYPE,
	)) as unknown as TransakApiCredentials;
	const baseURL = baseUrlFor(this.getNode(), credentials, 'api');
	let response: IN8nHttpFullResponse;
	try {
		// Public endpoints take no token: the credential only gives the host and the API key, and
		// its authentication (the access-token header) must not reach them.
		// eslint-disable-next-line @n8n/community-nodes/no-http-request-with-manual-auth
		response = (await this.helpers.httpRequest({
			...transakRequestOptions(credentials, {
				method: 'GET',
				baseURL,
				path,
				qs: { ...(partnerApiKey ? { partnerApiKey: credentials.apiKey } : {}), ...qs },
			}),
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		throw transakError(this.getNode(), error, credentials, { method: 'GET', path, baseURL });
	}
	const { statusCode, body } = response;
	if (statusCode >= 200 && statusCode < 300) return body;
	throw statusError(
		this.getNode(),
		statusCode,
		body,
		`GET ${path}`,
		credentialSecrets(credentials as unknown as IDataObject),
	);
}

/** Transak's quote (`response` of Get Price), as Transak sends it. */
export async function getQuote(
	this: IAllExecuteFunctions,
	query: QuoteQuery,
): Promise<IDataObject> {
	const body = await publicGet.call(this, PATHS.quotes, { ...query }, { partnerApiKey: true });
	const quote = quoteOf(body);
	if (quote === undefined) throw unexpectedAnswer(this.getNode(), 'the price answer has no quote');
	return quote;
}

/** Every entry of one of Transak's public lists. */
export async function listCatalog(
	this: IAllExecuteFunctions,
	list: CatalogList,
): Promise<IDataObject[]> {
	const entries = entriesOf(await publicGet.call(this, PATHS[list]));
	if (entries === undefined)
		throw unexpectedAnswer(this.getNode(), `the ${list} answer has no list`);
	return entries;
}
