export interface TransakCredentials {
	environment: 'staging' | 'production' | 'custom';
	baseUrl?: string;
	apiKey: string;
	accessToken: string;
	apiSecret?: string;
	previousAccessToken?: string;
}

export interface TransakApiCredentials extends TransakCredentials {
	currentAccessToken?: string;
	currentAccessTokenFor?: string;
}

export const CREDENTIAL_TYPE = 'transakApi';

export const BASE_URLS = {
	staging: 'https://api-stg.transak.com',
	production: 'https://api.transak.com',
} as const;

export function apiBaseUrl(credentials: TransakCredentials): string {
	if (credentials.environment === 'custom') {
		return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	}
	return BASE_URLS[credentials.environment] ?? BASE_URLS.staging;
}
