import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import { credentialSecrets } from '../text/secrets';
import type { TransakCredentials } from './credentials';

/*
 * The options of every Transak call (partner API, public endpoints, API gateway, token refresh),
 * built in one place from the credential: a rule for all of them (a header, a timeout, a setting
 * of the credential) is one edit here.
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

/**
 * n8n's request options for a Transak call with `credentials`: JSON both ways. Every secret of the
 * credential is masked wherever this process writes text from here on.
 */
export function transakRequestOptions(
	credentials: TransakCredentials,
	request: TransakRequest,
): IHttpRequestOptions {
	credentialSecrets(credentials as unknown as IDataObject);
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
