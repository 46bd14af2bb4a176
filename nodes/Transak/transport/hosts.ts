import { NodeOperationError, type INode } from 'n8n-workflow';

import { apiBaseUrl, environmentUrl, type TransakCredentials } from './credentials';

/**
 * Which Transak host a call goes to. The partner API and the public price and list endpoints live
 * on `api(-stg).transak.com`; Create Widget URL lives on the API gateway. A `custom` credential
 * (a proxy, the local sandbox) serves both from its one base URL.
 */
export type Host = 'api' | 'gateway';

export const GATEWAY_URLS = {
	staging: 'https://api-gateway-stg.transak.com',
	production: 'https://api-gateway.transak.com',
} as const;

function hostUrl(credentials: TransakCredentials, host: Host): string {
	if (host === 'api' || credentials.environment === 'custom') return apiBaseUrl(credentials);
	return environmentUrl(GATEWAY_URLS, credentials.environment);
}

/** The base URL of `host` for the credential, or undefined when it has none that works. */
export function usableBaseUrl(credentials: TransakCredentials, host: Host): string | undefined {
	const baseURL = hostUrl(credentials, host);
	return /^https?:\/\//i.test(baseURL) ? baseURL : undefined;
}

/** The base URL of `host` for the credential; a NodeOperationError when it has none that works. */
export function baseUrlFor(node: INode, credentials: TransakCredentials, host: Host): string {
	const baseURL = usableBaseUrl(credentials, host);
	if (baseURL === undefined) {
		throw new NodeOperationError(
			node,
			'The Transak API credential has no valid base URL: choose Staging or Production, or enter the base URL of your Transak-compatible API (http:// or https://).',
		);
	}
	return baseURL;
}
