import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
} from 'n8n-workflow';

import { isNonEmptyString as nonEmpty } from '../model/guards';
import {
	apiBaseUrl,
	credentialFingerprint,
	sha256,
	type TransakApiCredentials,
} from './credentials';
import {
	EXPIRED_TOKEN_MESSAGE,
	httpStatusOf,
	isTransakTokenError,
	networkCodeOf,
	networkFailureWords,
	transakMessage,
	TransakTokenError,
} from './errors';
import { credentialSecrets, displayUrl, rememberSecrets, scrubSecrets } from '../text/secrets';
import { transakRequestOptions } from './request';
import { OtherProcessRefreshFailed, refreshOnceAcrossProcesses } from '../queue/refreshLock';

// Kept importable from here, where the token field it guards is explained.
export { credentialFingerprint };

/*
 * Access-token refresh through n8n's credential `preAuthentication` hook.
 *
 * The credential has a hidden, expirable field, `currentAccessToken`: the token API calls send.
 * n8n (1.123 and 2.41 alike) calls `preAuthentication` before a request while that field is
 * empty, and after a request answered 401 (then retries that request once). It stores what the
 * hook returns in the credential, so a refreshed token survives restarts and is seen by every
 * worker and by both triggers, which verify with it.
 *
 * Each refresh returns a new token and invalidates the previous one, so only one system may
 * refresh a given API key: two systems that both refresh invalidate each other's token in turn.
 * Hence the rule here: n8n refreshes only a token that has expired.
 *
 * - Empty field (first use): copy the user's access token. No network call.
 * - Otherwise the token was refused (a 401):
 *   - its own `exp` has passed (Transak's tokens are JWTs with `exp`), or it has no `exp`:
 *     refresh it with the API secret (or say how to get a new one without it);
 *   - its `exp` has not passed: it was replaced, most likely refreshed by another system with the
 *     same API key. No refresh and no probe: a clear error says what to do.
 * - Concurrent 401s in one process share one refresh, and later callers that still hold the old
 *   token get the new one without a second refresh: Transak rate-limits the endpoint and every
 *   refresh rotates the token.
 *
 * - n8n's credential test never refreshes: a refresh would invalidate the token that n8n's own
 *   workflows (or another system) hold, and the next call would refresh again. Its request carries
 *   CREDENTIAL_TEST_HEADER, which `authenticate` removes before sending and remembers per
 *   credential data object (n8n hands the hook and `authenticate` the same object), so that the
 *   hook, run after the test's request was refused, explains instead of refreshing.
 *
 * `currentAccessTokenFor` fingerprints the environment, API key and access token the field was
 * derived from: when the user edits the credential, the stale field is ignored.
 */

export const CURRENT_TOKEN_FIELD = 'currentAccessToken';
export const CURRENT_TOKEN_SOURCE_FIELD = 'currentAccessTokenFor';

const REFRESH_PATH = '/partners/api/v2/refresh-token';

/** Marks the credential test's request; `authenticate` strips it (see the comment above). */
export const CREDENTIAL_TEST_HEADER = 'x-n8n-transak-credential-test';

/** For each credential data object n8n authenticated a request with: was it the credential test? */
const lastRequest = new WeakMap<object, 'test' | 'call'>();

/**
 * The headers to send for a request n8n is authenticating, without the credential test's mark,
 * and remembers for `credentials` whether the request was the credential test.
 */
export function takeTestMark(
	credentials: object,
	headers: IDataObject | undefined,
): IDataObject | undefined {
	if (
		headers === undefined ||
		!Object.prototype.hasOwnProperty.call(headers, CREDENTIAL_TEST_HEADER)
	) {
		lastRequest.set(credentials, 'call');
		return headers;
	}
	const rest = { ...headers };
	delete rest[CREDENTIAL_TEST_HEADER];
	lastRequest.set(credentials, 'test');
	return rest;
}

/**
 * A refused token whose `exp` is this close counts as expired: clocks differ a little between
 * Transak and n8n's host, and refreshing a token that expires in a minute steals nothing.
 */
const EXPIRY_LEEWAY_MS = 60_000;

type HttpRequest = IHttpRequestHelper['helpers']['httpRequest'];

/** The token API calls send: the refreshed one while it belongs to this credential, else the user's. */
export function apiAccessToken(credentials: TransakApiCredentials): string {
	const current = credentials.currentAccessToken;
	if (
		nonEmpty(current) &&
		credentials.currentAccessTokenFor === credentialFingerprint(credentials)
	) {
		return current;
	}
	return credentials.accessToken ?? '';
}

/** When a JWT's `exp` claim says it expires (ms since epoch), or undefined (no JWT, no `exp`). */
function jwtExpiry(token: string): number | undefined {
	const parts = token.split('.');
	if (parts.length !== 3) return undefined;
	try {
		const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
		const exp = (claims as IDataObject | null)?.exp;
		return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
	} catch {
		return undefined;
	}
}

/**
 * What a refused token means: `expired` (its `exp` has passed, or nearly), `replaced` (its `exp`
 * has not passed: another refresh invalidated it) or `unknown` (no `exp` to tell).
 */
export function refusalOf(token: string, now = Date.now()): 'expired' | 'replaced' | 'unknown' {
	const expiry = jwtExpiry(token);
	if (expiry === undefined) return 'unknown';
	return expiry <= now + EXPIRY_LEEWAY_MS ? 'expired' : 'replaced';
}

// ---------------------------------------------------------------------------------------------
// Process-wide refresh bookkeeping, keyed by hashes (never by the secrets themselves).

interface Refreshed {
	token: string;
	until: number;
}

/** How long a refresh result answers for the token it replaced. */
const REFRESHED_TTL_MS = 24 * 60 * 60 * 1000;
/** After a failed refresh, callers with the same token and secret get the same error for this long. */
const FAILURE_TTL_MS = 30 * 1000;
const MAX_ENTRIES = 256;

const inflight = new Map<string, Promise<string>>();
const refreshed = new Map<string, Refreshed>();
const failures = new Map<string, { error: TransakTokenError; until: number }>();

function remember<V>(map: Map<string, V>, key: string, value: V): void {
	map.delete(key);
	if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
	map.set(key, value);
}

/** Runs a request and hands back its status and body whether or not it succeeded. */
async function send(
	httpRequest: HttpRequest,
	options: IHttpRequestOptions,
): Promise<{ status?: number; body?: unknown; failure?: string }> {
	try {
		const response = (await httpRequest({
			...options,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
		return { status: response.statusCode, body: response.body };
	} catch (error) {
		const status = httpStatusOf(error);
		if (status !== undefined) {
			const e = error as {
				response?: { data?: unknown };
				cause?: { response?: { data?: unknown } };
			};
			return { status, body: e.response?.data ?? e.cause?.response?.data };
		}
		return { failure: networkCodeOf(error) };
	}
}

function noSecretError(source: string): TransakTokenError {
	return new TransakTokenError(
		'noSecret',
		source,
		EXPIRED_TOKEN_MESSAGE,
		'Transak answered 401 (Authorization Required). Access tokens are valid for 7 days. Get a new one from the Transak partner dashboard or with POST /partners/api/v2/refresh-token, or fill in the API Secret field of the credential.',
		401,
	);
}

export const REPLACED_TOKEN_MESSAGE =
	'Transak refused the access token although it has not expired: it was replaced, probably refreshed by another system that uses the same API key (or it belongs to another environment). Paste the current access token into the Transak API credential, or let only one system refresh the token.';

/** A refused token that has not expired: refreshing it would invalidate another system's token. */
function replacedError(source: string): TransakTokenError {
	return new TransakTokenError(
		'replaced',
		source,
		REPLACED_TOKEN_MESSAGE,
		'Every refresh of a Transak access token invalidates the previous one, so only one system should refresh it: the one that holds the API secret. n8n refreshes only a token whose own expiry time has passed; this one is still within its 7 days, so n8n did not refresh it. If n8n should own the refresh, remove the API secret from the other systems and give them the token n8n keeps; otherwise remove it from this credential and paste each new token here.',
		401,
	);
}

async function refresh(
	httpRequest: HttpRequest,
	credentials: TransakApiCredentials,
): Promise<Refreshed> {
	const secrets = credentialSecrets(credentials as unknown as IDataObject);
	const { status, body, failure } = await send(
		httpRequest,
		transakRequestOptions(credentials, {
			method: 'POST',
			baseURL: apiBaseUrl(credentials),
			path: REFRESH_PATH,
			headers: { 'api-secret': credentials.apiSecret ?? '' },
			body: { apiKey: credentials.apiKey },
		}),
	);
	const data = (body as IDataObject | null | undefined)?.data as IDataObject | undefined;
	const token = data?.accessToken;
	// Masked from here on, in every error and log line (Transak's words below, and those of the
	// call that refreshed it): before the words are built, which may echo it.
	rememberSecrets([token]);
	const said = transakMessage(body);
	const words = said === undefined ? '' : `: ${scrubSecrets(said, secrets)}`;
	if (status === undefined) {
		throw new TransakTokenError(
			'refreshFailed',
			credentialFingerprint(credentials),
			`Could not refresh the Transak access token (${networkFailureWords(failure)}).`,
			`POST ${REFRESH_PATH} got no answer from ${displayUrl(apiBaseUrl(credentials))}${failure === undefined ? '' : ` (${failure})`}. Check the environment or base URL of the Transak API credential.`,
		);
	}
	if (status === 400 || status === 401 || status === 403) {
		throw new TransakTokenError(
			'refreshRejected',
			credentialFingerprint(credentials),
			`Transak refused to refresh the access token (HTTP ${status}${words}). Check the API key and API secret in the Transak API credential, or paste a new access token there.`,
			'The API key and API secret must belong to the same Transak environment (staging or production) as the credential.',
			status,
		);
	}
	if (status < 200 || status >= 300 || !nonEmpty(token)) {
		throw new TransakTokenError(
			'refreshFailed',
			credentialFingerprint(credentials),
			`Could not refresh the Transak access token (HTTP ${status}${words}).`,
			`POST ${REFRESH_PATH} did not return data.accessToken.`,
			status,
		);
	}
	const expiresAt = typeof data?.expiresAt === 'number' ? data.expiresAt * 1000 : Infinity;
	return { token, until: Math.min(Date.now() + REFRESHED_TTL_MS, expiresAt) };
}

/** In queue mode: the process that held the refresh lock could not refresh (its execution says why). */
function otherProcessFailed(credentials: TransakApiCredentials): TransakTokenError {
	return new TransakTokenError(
		'refreshFailed',
		credentialFingerprint(credentials),
		'Could not refresh the Transak access token: another n8n process tried just now and failed.',
		"Every n8n process refreshes a Transak token through one lock in n8n's Redis; the failed attempt's execution or log names the reason. The next attempt starts after 30 seconds.",
	);
}

/**
 * Returns a token to retry with, given one Transak refused: a refreshed one when it expired (or
 * cannot tell), never when it was replaced elsewhere. Shared by concurrent callers.
 */
async function replaceRefusedToken(
	httpRequest: HttpRequest,
	credentials: TransakApiCredentials,
	token: string,
): Promise<string> {
	const key = sha256([
		apiBaseUrl(credentials),
		credentials.apiKey,
		token,
		credentials.apiSecret ?? '',
	]);
	const now = Date.now();

	// Refreshed here already (the caller loaded the credential before the new token was stored).
	const known = refreshed.get(key);
	if (known !== undefined && known.until > now) return known.token;
	if (refusalOf(token, now) === 'replaced') throw replacedError(credentialFingerprint(credentials));
	const failed = failures.get(key);
	if (failed !== undefined && failed.until > now) throw failed.error;
	if (!nonEmpty(credentials.apiSecret)) throw noSecretError(credentialFingerprint(credentials));

	let pending = inflight.get(key);
	if (pending === undefined) {
		pending = (async () => {
			const result = await refreshOnceAcrossProcesses(
				{ digest: key, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret ?? '' },
				() => refresh(httpRequest, credentials),
			).catch((error: unknown) => {
				if (error instanceof OtherProcessRefreshFailed) throw otherProcessFailed(credentials);
				throw error;
			});
			// A token another process refreshed is masked here as well.
			rememberSecrets([result.token]);
			remember(refreshed, key, result);
			return result.token;
		})();
		inflight.set(key, pending);
		pending
			.catch((error: unknown) => {
				if (isTransakTokenError(error)) {
					remember(failures, key, { error, until: Date.now() + FAILURE_TTL_MS });
				}
			})
			.finally(() => inflight.delete(key))
			.catch(() => undefined);
	}
	return await pending;
}

export const EXPIRED_UNTESTED_MESSAGE =
	'Transak refused the access token: it has expired. n8n refreshes it with the API secret at the first call that needs it; the credential test does not, because every refresh invalidates the token in use.';

/** Why the credential test's token was refused, without refreshing it. */
function testRefusal(credentials: TransakApiCredentials, token: string): TransakTokenError {
	const source = credentialFingerprint(credentials);
	const refusal = refusalOf(token);
	if (refusal === 'replaced') return replacedError(source);
	if (!nonEmpty(credentials.apiSecret)) return noSecretError(source);
	return new TransakTokenError(
		'expiredUntested',
		source,
		refusal === 'expired'
			? EXPIRED_UNTESTED_MESSAGE
			: 'Transak refused the access token. It carries no expiry time, so it has expired or was replaced. With the API secret set, n8n refreshes it at the first call that needs it; the credential test does not, because every refresh invalidates the token in use.',
		'Access tokens are valid for 7 days. If another system refreshes this API key, paste its current token here and remove the API secret from this credential.',
		401,
	);
}

/** The credential's `preAuthentication`: see the comment at the top of this file. */
export async function preAuthenticate(
	this: IHttpRequestHelper,
	credentials: ICredentialDataDecryptedObject,
): Promise<IDataObject> {
	const creds = credentials as unknown as TransakApiCredentials;
	const fingerprint = credentialFingerprint(creds);
	const stored = creds.currentAccessToken;

	if (stored === '') {
		// First use (n8n calls before every request while the field is empty): adopt the user's
		// token as is. An empty token is left to fail on its own.
		if (!nonEmpty(creds.accessToken)) return {};
		return { [CURRENT_TOKEN_FIELD]: creds.accessToken, [CURRENT_TOKEN_SOURCE_FIELD]: fingerprint };
	}
	// A token in the field, or no field at all (data that never went through n8n's defaults):
	// n8n 1.123 and 2.41 call now only after a 401 (their credential test calls the hook only while
	// the field is empty, as n8n's sources show): the token in use was refused. The credential's
	// secrets join the mask registry in refresh(), before its request; the errors thrown without a
	// refresh carry no text from Transak.
	const inUse = apiAccessToken(creds);
	if (!nonEmpty(inUse)) return {};
	if (lastRequest.get(credentials) === 'test') throw testRefusal(creds, inUse);
	const usable = await replaceRefusedToken(this.helpers.httpRequest, creds, inUse);
	if (usable === stored && creds.currentAccessTokenFor === fingerprint) {
		// Nothing changed: returning no token field spares n8n a credential write.
		return {};
	}
	return { [CURRENT_TOKEN_FIELD]: usable, [CURRENT_TOKEN_SOURCE_FIELD]: fingerprint };
}
