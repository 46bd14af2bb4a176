import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import {
	apiAccessToken,
	CREDENTIAL_TEST_HEADER,
	CURRENT_TOKEN_FIELD,
	CURRENT_TOKEN_SOURCE_FIELD,
	preAuthenticate,
	takeTestMark,
} from '../nodes/Transak/transport/token';
import { BASE_URLS, type TransakApiCredentials } from '../nodes/Transak/transport/credentials';

export class TransakApi implements ICredentialType {
	name = 'transakApi';

	displayName = 'Transak API';

	icon: Icon = { light: 'file:transak.svg', dark: 'file:transak.dark.svg' };

	documentationUrl = 'https://docs.transak.com/guides/how-to-create-partner-access-token';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Staging', value: 'staging', description: BASE_URLS.staging },
				{ name: 'Production', value: 'production', description: BASE_URLS.production },
				{
					name: 'Custom',
					value: 'custom',
					description: 'A Transak-compatible API: a proxy, or the local sandbox',
				},
			],
			default: 'staging',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4000',
			description: 'Base URL of the Transak-compatible API, without a trailing path',
			displayOptions: { show: { environment: ['custom'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Partner API key from the Transak dashboard. It also names your WebSocket channels.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Partner access token. Transak signs webhooks and all-orders WebSocket events with it, and API calls send it in the access-token header.',
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. With it, n8n refreshes the access token once it has expired and keeps the new one with this credential. Every refresh invalidates the previous token, so give the secret to the one system that refreshes: leave it empty if another system refreshes the token, and paste each new token here.',
		},
		{
			displayName: 'Previous Access Token',
			name: 'previousAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. Webhooks and WebSocket events signed with this older token are still accepted (for example while a rotation settles). Never used for API calls.',
		},
		{
			displayName: 'Pseudonymisation Secret',
			name: 'pseudonymSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"Optional. A secret of your choice for the Personal Data option's Pseudonymise mode: the same customer gets the same pseudonym for as long as it stays unchanged. Without it pseudonyms are keyed by the API key alone, which anyone who knows the key could use to test a guessed value.",
		},
		// Kept by n8n, not shown: the token API calls send. It starts as a copy of the access token
		// and is replaced when n8n refreshes an expired token with the API secret (see
		// nodes/Transak/transport/token.ts). `expirable` makes n8n call preAuthentication when it is
		// empty and after a 401; `password` keeps it out of what the editor receives.
		{
			displayName: 'Current Access Token',
			name: CURRENT_TOKEN_FIELD,
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			displayName: 'Current Access Token Source',
			name: CURRENT_TOKEN_SOURCE_FIELD,
			type: 'hidden',
			default: '',
		},
	];

	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		return await preAuthenticate.call(this, credentials);
	}

	/** Sends the current (possibly refreshed) token in the `access-token` header. */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: {
				...takeTestMark(credentials, requestOptions.headers),
				'access-token': apiAccessToken(credentials as unknown as TransakApiCredentials),
			},
		};
	}

	test: ICredentialTestRequest = {
		request: {
			// The URLs are written into the expression as string literals when this module loads: n8n
			// sees the same plain expression as if they were typed here.
			baseURL: `={{$credentials.environment === "custom" ? String($credentials.baseUrl).replace(/\\/+$/, "") : $credentials.environment === "production" ? ${JSON.stringify(BASE_URLS.production)} : ${JSON.stringify(BASE_URLS.staging)}}}`,
			url: '/partners/api/v2/orders',
			qs: { limit: 1 },
			// Tells preAuthentication that a refused token must be explained, never refreshed.
			headers: { [CREDENTIAL_TEST_HEADER]: '1' },
		},
	};
}
