import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
	type INode,
	type IPollFunctions,
	type ITriggerFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { apiBaseUrl } from './credentials';
import { credentialSecrets, scrubSecrets } from './secrets';
import {
	isTransakTokenError,
	tokenErrorByMessage,
	transakMessage,
	type TransakApiCredentials,
	type TransakTokenError,
} from './token';

/*
 * Transport for the Transak partner API. Calls go through n8n's httpRequestWithAuthentication,
 * which applies the credential (`access-token` header) and, on a 401, runs the credential's
 * preAuthentication (token refresh, see token.ts) and retries once. Errors leave this module as
 * NodeApiErrors built from scrubbed text only: never from n8n's wrapped error, whose request
 * options carry the token headers.
 */

export { currentAccessTokens, apiAccessToken } from './token';

export type IAllExecuteFunctions =
	IExecuteFunctions | ITriggerFunctions | IPollFunctions | ILoadOptionsFunctions;

export const CREDENTIAL_TYPE = 'transakApi';

export const PATHS = {
	order: (orderId: string) => `/partners/api/v2/order/${encodeURIComponent(orderId)}`,
	orders: '/partners/api/v2/orders',
	webhooks: '/partners/api/v2/webhooks',
} as const;

/** Transak's page size when `limit` is not sent, and the largest page this package asks for. */
export const MAX_PAGE_SIZE = 100;

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

export interface OrdersPage {
	orders: IDataObject[];
	/** `meta.totalCount`, when Transak sent it. */
	totalCount?: number;
}

// ---------------------------------------------------------------------------------------------
// Errors

const NETWORK_FAILURES: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	ETIMEDOUT: 'timed out',
	ECONNABORTED: 'connection aborted',
	EHOSTUNREACH: 'host unreachable',
	ECONNCLOSED: 'connection closed',
};

interface Failure {
	status?: number;
	body?: unknown;
	code?: string;
	tokenError?: TransakTokenError;
}

/** Walks an error and its causes (n8n wraps errors once or twice) for what Transak answered. */
export function describeFailure(error: unknown): Failure {
	const failure: Failure = {};
	const seen = new Set<unknown>();
	const queue: unknown[] = [error];
	while (queue.length > 0 && seen.size < 10) {
		const e = queue.shift();
		if (typeof e !== 'object' || e === null || seen.has(e)) continue;
		seen.add(e);
		if (isTransakTokenError(e)) {
			failure.tokenError ??= e;
			continue;
		}
		failure.tokenError ??= tokenErrorByMessage((e as IDataObject).message);
		const obj = e as IDataObject & {
			response?: { status?: unknown; data?: unknown; body?: unknown };
			context?: { data?: unknown };
		};
		const status = [obj.response?.status, obj.httpCode, obj.statusCode]
			.map((s) => (typeof s === 'string' ? Number(s) : s))
			.find(
				(s): s is number => typeof s === 'number' && Number.isInteger(s) && s >= 100 && s < 600,
			);
		failure.status ??= status;
		failure.body ??= obj.response?.data ?? obj.response?.body ?? obj.context?.data;
		if (typeof obj.code === 'string' && /^E[A-Z_]+$/.test(obj.code)) failure.code ??= obj.code;
		// n8n 1.x drops the wrapped error; its message ("connect ECONNREFUSED …") stays in `messages`.
		if (Array.isArray(obj.messages)) {
			for (const text of obj.messages) {
				const code =
					typeof text === 'string' ? /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text)?.[1] : undefined;
				if (code !== undefined && code in NETWORK_FAILURES) failure.code ??= code;
			}
		}
		queue.push(obj.cause, obj.errorResponse, (obj as { reason?: unknown }).reason);
	}
	return failure;
}

function apiError(
	node: INode,
	message: string,
	description: string | undefined,
	httpCode: number | undefined,
): NodeApiError {
	// A plain object as the "response": nothing of the original request (headers!) is kept.
	const response: JsonObject = { message, ...(description ? { description } : {}) };
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: httpCode === undefined ? undefined : String(httpCode),
	});
}

/** Turns whatever n8n threw for a Transak call into a NodeApiError without secrets. */
export function transakError(
	node: INode,
	error: unknown,
	credentials: TransakApiCredentials,
	request: { method: string; path: string },
): NodeApiError {
	const secrets = credentialSecrets(credentials as unknown as IDataObject);
	const clean = (text: string) => scrubSecrets(text, secrets);
	const failure = describeFailure(error);
	const where = `${request.method} ${clean(request.path)}`;

	if (failure.tokenError !== undefined) {
		const { message, description, transakStatus } = failure.tokenError;
		return apiError(node, clean(message), clean(description), transakStatus);
	}

	const said = transakMessage(failure.body);
	if (failure.status === 401) {
		const message = credentials.apiSecret
			? 'Transak rejected the access token, even after n8n checked it (and refreshed it with the API secret where it had expired). Check that the API key, API secret and environment of the Transak API credential belong together.'
			: 'The Transak access token has expired or is invalid. Generate a new access token and paste it into the Transak API credential, or add your API secret there so that n8n refreshes the token by itself.';
		return apiError(
			node,
			message,
			clean(`Transak answered 401 (${said ?? 'Authorization Required'}) to ${where}.`),
			401,
		);
	}
	if (failure.status !== undefined) {
		return apiError(
			node,
			clean(said ?? `Transak answered HTTP ${failure.status}`),
			`Transak answered HTTP ${failure.status} to ${where}.`,
			failure.status,
		);
	}
	// In words: n8n replaces a message that contains a code such as ECONNREFUSED with its own.
	const reason = (failure.code && NETWORK_FAILURES[failure.code]) ?? 'network error';
	return apiError(
		node,
		`Could not reach the Transak API (${reason})`,
		clean(
			`${where} at ${apiBaseUrl(credentials) || '(no base URL)'} failed before Transak answered${failure.code ? ` (${failure.code})` : ''}.`,
		),
		undefined,
	);
}

// ---------------------------------------------------------------------------------------------
// Requests

function compact(values: IDataObject | undefined): IDataObject | undefined {
	if (values === undefined) return undefined;
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(values)) {
		if (value === undefined || value === null || value === '') continue;
		out[key] = value;
	}
	return Object.keys(out).length > 0 ? out : undefined;
}

export async function transakApiRequest(
	this: IAllExecuteFunctions,
	method: IHttpRequestMethods,
	path: string,
	qs?: IDataObject,
	body?: IDataObject,
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
	const credentials = (await this.getCredentials(
		CREDENTIAL_TYPE,
	)) as unknown as TransakApiCredentials;
	const baseURL = apiBaseUrl(credentials);
	if (!/^https?:\/\//i.test(baseURL)) {
		throw new NodeOperationError(
			this.getNode(),
			'The Transak API credential has no valid base URL: choose Staging or Production, or enter the base URL of your Transak-compatible API (http:// or https://).',
		);
	}
	const options: IHttpRequestOptions = {
		method,
		baseURL,
		url: path,
		headers: { accept: 'application/json' },
		json: true,
	};
	const query = compact(qs);
	if (query !== undefined) options.qs = query;
	if (body !== undefined) options.body = body;

	try {
		return await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, options);
	} catch (error) {
		throw transakError(this.getNode(), error, credentials, { method, path });
	}
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(node: INode, what: string): NodeApiError {
	return apiError(node, `Unexpected answer from Transak: ${what}`, undefined, undefined);
}

/** The order object (`data` of `GET /partners/api/v2/order/{orderId}`). */
export async function getOrder(this: IAllExecuteFunctions, orderId: string): Promise<IDataObject> {
	const id = typeof orderId === 'string' ? orderId.trim() : '';
	if (id === '') throw new NodeOperationError(this.getNode(), 'The order ID is empty');
	const response: unknown = await transakApiRequest.call(this, 'GET', PATHS.order(id));
	const order = isObject(response) ? response.data : undefined;
	if (!isObject(order)) throw unexpected(this.getNode(), 'the order response has no data object');
	return order;
}

/** The query string of `GET /partners/api/v2/orders` for a query (pure; exported for tests). */
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
export async function listOrdersPage(
	this: IAllExecuteFunctions,
	query: OrderQuery,
): Promise<OrdersPage> {
	const response: unknown = await transakApiRequest.call(
		this,
		'GET',
		PATHS.orders,
		ordersQueryString(query),
	);
	const data = isObject(response) ? response.data : response;
	if (!Array.isArray(data))
		throw unexpected(this.getNode(), 'the orders response has no data list');
	const meta = isObject(response) && isObject(response.meta) ? response.meta : undefined;
	const totalCount = Number(meta?.totalCount);
	return {
		orders: data.filter(isObject),
		...(Number.isFinite(totalCount) ? { totalCount } : {}),
	};
}

/** One page of orders (`data` of `GET /partners/api/v2/orders`). */
export async function listOrders(
	this: IAllExecuteFunctions,
	query: OrderQuery,
): Promise<IDataObject[]> {
	return (await listOrdersPage.call(this, query)).orders;
}

/** Past webhook deliveries (`GET /partners/api/v2/webhooks`): recovers events missed while offline. */
export async function listWebhooks(
	this: IAllExecuteFunctions,
	query: { eventID?: string; orderID?: string },
): Promise<IDataObject[]> {
	const response: unknown = await transakApiRequest.call(this, 'GET', PATHS.webhooks, {
		eventID: query.eventID,
		orderID: query.orderID,
	});
	const data = isObject(response) ? response.data : response;
	if (Array.isArray(data)) return data.filter(isObject);
	// Tolerate a wrapped list, e.g. {data: {webhooks: [...]}}.
	if (isObject(data)) {
		const list = Object.values(data).find(Array.isArray);
		if (list !== undefined) return (list as unknown[]).filter(isObject);
	}
	throw unexpected(this.getNode(), 'the webhooks response has no data list');
}
