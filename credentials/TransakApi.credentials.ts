import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class TransakApi implements ICredentialType {
	name = 'transakApi';

	displayName = 'Transak API';

	icon: Icon = { light: 'file:transak.svg', dark: 'file:transak.dark.svg' };

	documentationUrl = 'https://docs.transak.com/reference/refresh-access-token';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Staging', value: 'staging', description: 'https://api-stg.transak.com' },
				{ name: 'Production', value: 'production', description: 'https://api.transak.com' },
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
				'Optional. Lets API calls refresh an expired access token by themselves. Leave empty to refresh the token by hand.',
		},
		{
			displayName: 'Previous Access Token',
			name: 'previousAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Optional. While Transak rotates tokens, webhooks and WebSocket events signed with this older token are still accepted. Never used for API calls.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'access-token': '={{$credentials.accessToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.environment === "custom" ? String($credentials.baseUrl).replace(/\\/+$/, "") : $credentials.environment === "production" ? "https://api.transak.com" : "https://api-stg.transak.com"}}',
			url: '/partners/api/v2/orders',
			qs: { limit: 1 },
		},
	};
}
