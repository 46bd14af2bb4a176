import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

/*
 * The options of every Transak call (partner API, public endpoints, API gateway, token refresh),
 * built in one place: a rule for all of them (a header, a timeout) is one edit here.
 */

/** Query values worth sending: empty strings, null and undefined are left out. */
export function compact(values: IDataObject | undefined): IDataObject | undefined {
	if (values === undefined) return undefined;
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(values)) {
		if (value === undefined || value === null || value === '') continue;
		out[key] = value;
	}
	return Object.keys(out).length > 0 ? out : undefined;
}

export interface TransakRequest {
	method: IHttpRequestMethods;
	/** The host's base URL (see hosts.ts). */
	baseURL: string;
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	headers?: Record<string, string>;
}

/** n8n's request options for a Transak call: JSON both ways. */
export function transakRequestOptions(request: TransakRequest): IHttpRequestOptions {
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL: request.baseURL,
		url: request.path,
		headers: {
			accept: 'application/json',
			...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
			...request.headers,
		},
		json: true,
	};
	const query = compact(request.qs);
	if (query !== undefined) options.qs = query;
	if (request.body !== undefined) options.body = request.body;
	return options;
}
