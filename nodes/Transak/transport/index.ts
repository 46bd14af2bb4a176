import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type IHttpRequestMethods,
	type ILoadOptionsFunctions,
	type IPollFunctions,
	type ITriggerFunctions,
} from 'n8n-workflow';

import { isObject, isOrderIdSegment } from '../model/guards';
import { CREDENTIAL_TYPE, type TransakApiCredentials } from './credentials';
import { tokenErrorOf, transakError, unexpectedAnswer } from './errors';
import { baseUrlFor, type Host } from './hosts';
import { compact, transakRequestOptions } from './request';
import { apiAccessToken } from './token';

/*
 * Transport for the Transak partner API. Calls go through n8n's httpRequestWithAuthentication,
 * which applies the credential (`access-token` header) and, on a 401, runs the credential's
 * preAuthentication (token refresh, see token.ts) and retries once. Errors leave this module as
 * NodeApiErrors built from scrubbed text only: never from n8n's wrapped error, whose request
 * options carry the token headers.
 */

export type IAllExecuteFunctions =
	IExecuteFunctions | ITriggerFunctions | IPollFunctions | ILoadOptionsFunctions | IHookFunctions;

const PATHS = {
	order: (orderId: string) => `/partners/api/v2/order/${encodeURIComponent(orderId)}`,
	orders: '/partners/api/v2/orders',
	webhooks: '/partners/api/v2/webhooks',
} as const;

/** Transak's page size when `limit` is not sent, and the largest page this package asks for. */
const MAX_PAGE_SIZE = 100;

export interface OrderQuery {
	limit?: number;
	skip?: number;
	startDate?: string;
	endDate?: string;
	status?: string;
	partnerOrderId?: string;
	walletAddress?: string;
	productsAvailed?: string[];
	sortOrder?: 'asc' | 'desc';
}

// ---------------------------------------------------------------------------------------------
// Requests

/** The Transak API credential of the node. */
export async function transakCredentials(
	this: IAllExecuteFunctions,
): Promise<TransakApiCredentials> {
	return (await this.getCredentials(CREDENTIAL_TYPE)) as unknown as TransakApiCredentials;
}

/**
 * A partner API call. `credentials`: the credential the caller has already read (each read
 * decrypts it), or undefined to read it here.
 */
export async function transakApiRequest(
	this: IAllExecuteFunctions,
	method: IHttpRequestMethods,
	path: string,
	qs?: IDataObject,
	body?: IDataObject,
	host: Host = 'api',
	given?: TransakApiCredentials,
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
	const credentials = given ?? (await transakCredentials.call(this));
	const baseURL = baseUrlFor(this.getNode(), credentials, host);
	const options = transakRequestOptions(credentials, { method, baseURL, path, qs, body });

	const send = async () =>
		await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, options);
	try {
		return await send();
	} catch (error) {
		let failure = error;
		let latest = credentials;
		if (tokenErrorOf(error, credentials)?.kind === 'replaced') {
			// Another n8n process (a worker in queue mode) may have refreshed the expired token and
			// stored the new one since this call read the credential: retry once if so.
			latest = await transakCredentials.call(this);
			if (apiAccessToken(latest) !== apiAccessToken(credentials)) {
				try {
					return await send();
				} catch (retryError) {
					failure = retryError;
				}
			}
		}
		throw transakError(this.getNode(), failure, latest, { method, path, baseURL });
	}
}

/** The order object (`data` of `GET /partners/api/v2/order/{orderId}`). */
export async function getOrder(this: IAllExecuteFunctions, orderId: string): Promise<IDataObject> {
	const id = typeof orderId === 'string' ? orderId.trim() : '';
	if (id === '') throw new NodeOperationError(this.getNode(), 'The order ID is empty');
	if (!isOrderIdSegment(id)) {
		throw new NodeOperationError(this.getNode(), 'The order ID is not a Transak order ID', {
			description:
				"Transak's order IDs are UUIDs (letters, digits and dashes), e.g. the orderId field of the Transak triggers' items.",
		});
	}
	const response: unknown = await transakApiRequest.call(this, 'GET', PATHS.order(id));
	const order = isObject(response) ? response.data : undefined;
	if (!isObject(order))
		throw unexpectedAnswer(this.getNode(), 'the order response has no data object');
	return order;
}

/** The query string of `GET /partners/api/v2/orders` for a query (pure). */
export function ordersQueryString(query: OrderQuery): IDataObject {
	const qs: IDataObject = {
		limit: query.limit,
		skip: query.skip,
		startDate: query.startDate,
		endDate: query.endDate,
		'filter[status]': query.status,
		'filter[partnerOrderId]': query.partnerOrderId,
		'filter[walletAddress]': query.walletAddress,
		'filter[sortOrder]': query.sortOrder,
	};
	if (query.productsAvailed !== undefined && query.productsAvailed.length > 0) {
		// Transak takes a JSON array in one parameter: filter[productsAvailed]=["BUY","SELL"].
		qs['filter[productsAvailed]'] = JSON.stringify(query.productsAvailed);
	}
	return compact(qs) ?? {};
}

/** One page of orders, with Transak's total count when it sends one. */
export async function listOrdersPage(this: IAllExecuteFunctions, query: OrderQuery): Promise<Page> {
	const response: unknown = await transakApiRequest.call(
		this,
		'GET',
		PATHS.orders,
		ordersQueryString(query),
	);
	const data = isObject(response) ? response.data : response;
	if (!Array.isArray(data))
		throw unexpectedAnswer(this.getNode(), 'the orders response has no data list');
	// Only a real count: Number(null) or Number(true) would end the listing after one page.
	const totalCount =
		isObject(response) && isObject(response.meta) ? response.meta.totalCount : undefined;
	return {
		items: data.filter(isObject),
		...(typeof totalCount === 'number' && Number.isFinite(totalCount) ? { totalCount } : {}),
	};
}

/** One page of orders (`data` of `GET /partners/api/v2/orders`). */
export async function listOrders(
	this: IAllExecuteFunctions,
	query: OrderQuery,
): Promise<IDataObject[]> {
	return (await listOrdersPage.call(this, query)).items;
}

/** Past webhook deliveries (`GET /partners/api/v2/webhooks`): recovers events missed while offline. */
export async function listWebhooks(
	this: IAllExecuteFunctions,
	query: { eventID?: string; orderID?: string },
	credentials?: TransakApiCredentials,
): Promise<IDataObject[]> {
	const response: unknown = await transakApiRequest.call(
		this,
		'GET',
		PATHS.webhooks,
		{ eventID: query.eventID, orderID: query.orderID },
		undefined,
		'api',
		credentials,
	);
	// Transak documents {data: [...]}. Tolerated: a wrapped list, {data: {webhooks: [...]}}, or
	// else the one list `data` holds (never a guess between several).
	const data = isObject(response) ? response.data : response;
	if (Array.isArray(data)) return data.filter(isObject);
	if (isObject(data)) {
		const lists = Array.isArray(data.webhooks)
			? [data.webhooks]
			: Object.values(data).filter(Array.isArray);
		if (lists.length === 1) return (lists[0] as unknown[]).filter(isObject);
	}
	throw unexpectedAnswer(this.getNode(), 'the webhooks response has no data list');
}

/** Stops a listing whose server ignores `skip` (every page the same) from running forever. */
const MAX_PAGES = 10_000;

/**
 * Most items Return All collects: far more than a partner's orders in any filtered listing, and
 * few enough that an API that never stops paging cannot exhaust n8n's memory.
 */
export const MAX_RETURN_ALL_ITEMS = 50_000;

export interface Page {
	items: IDataObject[];
	/** The total the server reports, when it does. */
	totalCount?: number;
}

export interface PageOptions {
	/** How many items at most; every item when undefined. */
	wanted?: number;
	/** Items asked for per page (recovery's own bound; Order > Get Many takes Transak's most). */
	pageSize?: number;
	/** Pages at most (recovery stays bounded after a reconnect). */
	maxPages?: number;
}

/**
 * Collects a skip/limit listing page by page until `wanted` items, the total the server reports, a
 * short page, or a page with nothing new (a server that ignores `skip`). Items are told apart by
 * `idOf`; an item without an ID always counts as new.
 */
export async function collectPages(
	fetchPage: (skip: number, limit: number) => Promise<Page>,
	idOf: (item: IDataObject) => string | undefined,
	{ wanted, pageSize = MAX_PAGE_SIZE, maxPages = MAX_PAGES }: PageOptions = {},
): Promise<IDataObject[]> {
	const most = wanted ?? MAX_RETURN_ALL_ITEMS;
	const items: IDataObject[] = [];
	const seen = new Set<string>();
	let skip = 0;
	for (let page = 0; page < maxPages; page++) {
		const limit = wanted === undefined ? pageSize : Math.min(pageSize, wanted - items.length);
		const { items: batch, totalCount } = await fetchPage(skip, limit);
		let fresh = 0;
		for (const item of batch) {
			const id = idOf(item);
			if (id !== undefined && seen.has(id)) continue;
			if (id !== undefined) seen.add(id);
			items.push(item);
			fresh++;
		}
		skip += batch.length;
		if (batch.length < limit || fresh === 0) break;
		if (totalCount !== undefined && skip >= totalCount) break;
		if (items.length >= most) {
			if (wanted === undefined) {
				throw new Error(
					`Return All stopped at ${MAX_RETURN_ALL_ITEMS} results and the API still had more: narrow the listing with its filters (dates, status), or set a Limit`,
				);
			}
			break;
		}
	}
	return wanted === undefined ? items : items.slice(0, wanted);
}
