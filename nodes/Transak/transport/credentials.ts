import { createHash } from 'crypto';

export interface TransakCredentials {
	environment: 'staging' | 'production' | 'custom';
	baseUrl?: string;
	apiKey: string;
	accessToken: string;
	apiSecret?: string;
	previousAccessToken?: string;
	pseudonymSecret?: string;
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

/**
 * The URL of `table` for an environment. Compared, not looked up: a stored value such as
 * 'toString' would find Object's method on the table; any value but production means staging.
 */
export function environmentUrl(
	table: Readonly<Record<'staging' | 'production', string>>,
	environment: unknown,
): string {
	return environment === 'production' ? table.production : table.staging;
}

export function apiBaseUrl(credentials: TransakCredentials): string {
	if (credentials.environment === 'custom') {
		return String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	}
	return environmentUrl(BASE_URLS, credentials.environment);
}

/** A hex SHA-256 of values (keys of process-wide bookkeeping: never the secrets themselves). */
export function sha256(parts: ReadonlyArray<unknown>): string {
	return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Identifies what a refreshed token was derived from, without storing any secret. */
export function credentialFingerprint(credentials: TransakApiCredentials): string {
	return sha256([
		'transak-token-source/1',
		apiBaseUrl(credentials),
		credentials.apiKey ?? '',
		credentials.accessToken ?? '',
	]).slice(0, 32);
}

/**
 * The key of the Personal Data option's pseudonyms: stable for a credential (the API key, and the
 * Pseudonymisation Secret when set), never the access token, which changes at every refresh.
 */
export function pseudonymKeyOf(credentials: Partial<TransakCredentials>): string {
	return sha256([
		'transak-pseudonyms/1',
		credentials.apiKey ?? '',
		credentials.pseudonymSecret ?? '',
	]);
}
