import { NodeApiError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import { apiBaseUrl, credentialFingerprint, type TransakApiCredentials } from './credentials';
import { cleanServerText } from '../text/serverText';
import { credentialSecrets, displayUrl, scrubSecrets } from '../text/secrets';

/*
 * Errors leave the transport as NodeApiErrors built from scrubbed text only: never from n8n's
 * wrapped error, whose request options carry the token headers.
 */

export type TokenErrorKind =
	'noSecret' | 'refreshRejected' | 'refreshFailed' | 'replaced' | 'expiredUntested';

/**
 * A token problem, worded for the user. It deliberately has no `code`, `status` or `httpCode`
 * property: n8n would then replace the message with a generic one for that status.
 */
export class TransakTokenError extends Error {
	readonly isTransakTokenError = true;

	constructor(
		readonly kind: TokenErrorKind,
		/** The credentialFingerprint of the credential it is about. */
		readonly source: string,
		message: string,
		readonly description: string,
		readonly transakStatus?: number,
	) {
		super(message);
		this.name = 'TransakTokenError';
		rememberTokenError(this);
	}
}

/*
 * n8n wraps what preAuthentication throws in a NodeApiError. n8n 2.x keeps the original as
 * `cause`; n8n 1.x drops it (a class field resets `cause` after the constructor set it) and keeps
 * only the message. Recently thrown token errors are therefore also found by their message, per
 * credential: the process serves many, and one's description must not explain another's error.
 */
const recentTokenErrors = new Map<string, TransakTokenError>();

const recentKey = (source: string, message: string) => `${source}\u0000${message}`;

function rememberTokenError(error: TransakTokenError): TransakTokenError {
	const key = recentKey(error.source, error.message);
	recentTokenErrors.delete(key);
	if (recentTokenErrors.size >= 64)
		recentTokenErrors.delete(recentTokenErrors.keys().next().value as string);
	recentTokenErrors.set(key, error);
	return error;
}

/** The token error n8n wrapped for the credential `source`, found by its message (see above). */
function tokenErrorByMessage(message: unknown, source: string): TransakTokenError | undefined {
	return typeof message === 'string'
		? recentTokenErrors.get(recentKey(source, message))
		: undefined;
}

export function isTransakTokenError(value: unknown): value is TransakTokenError {
	return (
		value instanceof TransakTokenError ||
		(typeof value === 'object' &&
			value !== null &&
			(value as IDataObject).isTransakTokenError === true)
	);
}

/**
 * Kept of a message before masking: far more than any message of Transak's, and enough that a
 * secret echoed at the start survives whole to be masked; scrubSecrets then cuts to its length.
 * A megabyte-long message costs no more than this.
 */
const UNCUT = 8_000;

/** Plain text at least this long is a page (a proxy's HTML error page), not a message. */
const MAX_PLAIN_MESSAGE = 300;

/** What a 401 means when the credential has no API secret to refresh the token with. */
export const EXPIRED_TOKEN_MESSAGE =
	'The Transak access token has expired or is invalid. Generate a new access token and paste it into the Transak API credential, or add your API secret there so that n8n refreshes the token by itself.';

/**
 * Transak's own words from an error body (`{message}`, `{error: {message}}` or `{error: "..."}`),
 * on one line (see quote.ts): they go into error messages and log lines. Not cut here: callers
 * mask secrets first, and scrubSecrets cuts afterwards, so that no cut leaves half a secret.
 */
export function transakMessage(body: unknown): string | undefined {
	let value = body;
	if (typeof body === 'string') {
		try {
			value = JSON.parse(body);
		} catch {
			// Short plain text is a message; longer is a page. Measured before cleaning, which would
			// otherwise walk a page of megabytes only to drop it.
			if (body.length >= MAX_PLAIN_MESSAGE) return undefined;
			return cleanServerText(body, UNCUT) || undefined;
		}
	}
	if (typeof value !== 'object' || value === null) return undefined;
	const obj = value as IDataObject;
	const error = obj.error;
	const candidates = [
		typeof error === 'object' && error !== null ? (error as IDataObject).message : undefined,
		obj.message,
		typeof error === 'string' ? error : undefined,
	];
	const said = candidates.find((c): c is string => typeof c === 'string' && c.trim().length > 0);
	return said === undefined ? undefined : cleanServerText(said, UNCUT) || undefined;
}

const NETWORK_FAILURES: ReadonlyMap<string, string> = new Map([
	['ECONNREFUSED', 'connection refused'],
	['ECONNRESET', 'connection reset'],
	['ENOTFOUND', 'host not found'],
	['EAI_AGAIN', 'host name lookup failed'],
	['ETIMEDOUT', 'timed out'],
	['ECONNABORTED', 'connection aborted'],
	['EHOSTUNREACH', 'host unreachable'],
	['ECONNCLOSED', 'connection closed'],
]);

/**
 * A network failure in words. n8n replaces an error message that holds a code such as ECONNRESET
 * with its own generic text, so messages name the failure this way and keep the code for the
 * description.
 */
export function networkFailureWords(code: string | undefined): string {
	return (code !== undefined && NETWORK_FAILURES.get(code)) || 'network error';
}

/** An error's code when it has the shape of Node's network codes (ECONNRESET, ENOTFOUND...). */
export function networkCodeOf(error: unknown): string | undefined {
	const code =
		typeof error === 'object' && error !== null ? (error as IDataObject).code : undefined;
	return typeof code === 'string' && /^E[A-Z_]{2,40}$/.test(code) ? code : undefined;
}

/** An HTTP status (100-599) an error carries, as a number, wherever the client put it. */
export function httpStatusOf(error: unknown): number | undefined {
	if (typeof error !== 'object' || error === null) return undefined;
	const e = error as IDataObject & { response?: { status?: unknown } };
	for (const candidate of [e.response?.status, e.httpCode, e.statusCode, e.status]) {
		const n = typeof candidate === 'string' ? Number(candidate) : candidate;
		if (typeof n === 'number' && Number.isInteger(n) && n >= 100 && n < 600) return n;
	}
	return undefined;
}

interface Failure {
	status?: number;
	body?: unknown;
	code?: string;
	tokenError?: TransakTokenError;
}

/**
 * Walks an error and its causes (n8n wraps errors once or twice) for what Transak answered to a
 * call with the credential `source` (its credentialFingerprint).
 */
function describeFailure(error: unknown, source: string): Failure {
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
		failure.tokenError ??= tokenErrorByMessage((e as IDataObject).message, source);
		const obj = e as IDataObject & {
			response?: { status?: unknown; data?: unknown; body?: unknown };
			context?: { data?: unknown };
		};
		failure.status ??= httpStatusOf(obj);
		failure.body ??= obj.response?.data ?? obj.response?.body ?? obj.context?.data;
		failure.code ??= networkCodeOf(obj);
		// n8n 1.x drops the wrapped error; its message ("connect ECONNREFUSED …") stays in `messages`.
		if (Array.isArray(obj.messages)) {
			for (const text of obj.messages) {
				const code =
					typeof text === 'string' ? /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text)?.[1] : undefined;
				if (code !== undefined && NETWORK_FAILURES.has(code)) failure.code ??= code;
			}
		}
		queue.push(obj.cause, obj.errorResponse, (obj as { reason?: unknown }).reason);
	}
	return failure;
}

export function apiError(
	node: INode,
	message: string,
	description?: string,
	httpCode?: number,
): NodeApiError {
	// A plain object as the "response": nothing of the original request (headers!) is kept.
	const response: JsonObject = { message, ...(description ? { description } : {}) };
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: httpCode === undefined ? undefined : String(httpCode),
	});
}

/** An answer of Transak that this package cannot read (a missing list or field). */
export function unexpectedAnswer(node: INode, what: string): NodeApiError {
	return apiError(node, `Unexpected answer from Transak: ${what}`);
}

/**
 * An HTTP error status from Transak: its own words (secrets masked) when it gave some, else the
 * status. `where` is the request, e.g. `GET /api/v2/countries`.
 */
export function statusError(
	node: INode,
	status: number,
	body: unknown,
	where: string,
	secrets: ReadonlyArray<unknown>,
): NodeApiError {
	return apiError(
		node,
		scrubSecrets(transakMessage(body) ?? `Transak answered HTTP ${status}`, secrets),
		`Transak answered HTTP ${status} to ${where}.`,
		status,
	);
}

/** The token error (refresh or refusal) behind whatever n8n threw for a Transak call, if any. */
export function tokenErrorOf(
	error: unknown,
	credentials: TransakApiCredentials,
): TransakTokenError | undefined {
	return describeFailure(error, credentialFingerprint(credentials)).tokenError;
}

/** Turns whatever n8n threw for a Transak call into a NodeApiError without secrets. */
export function transakError(
	node: INode,
	error: unknown,
	credentials: TransakApiCredentials,
	request: { method: string; path: string; baseURL?: string },
): NodeApiError {
	const secrets = credentialSecrets(credentials as unknown as IDataObject);
	const clean = (text: string) => scrubSecrets(text, secrets);
	const failure = describeFailure(error, credentialFingerprint(credentials));
	const where = `${request.method} ${clean(request.path)}`;

	if (failure.tokenError !== undefined) {
		const { message, description, transakStatus } = failure.tokenError;
		return apiError(node, clean(message), clean(description), transakStatus);
	}

	if (failure.status === 401) {
		const said = transakMessage(failure.body);
		const message = credentials.apiSecret
			? 'Transak rejected the access token, even after n8n checked it (and refreshed it with the API secret where it had expired). Check that the API key, API secret and environment of the Transak API credential belong together.'
			: EXPIRED_TOKEN_MESSAGE;
		return apiError(
			node,
			message,
			clean(
				`Transak answered 401 (${said === undefined ? 'Authorization Required' : JSON.stringify(said)}) to ${where}.`,
			),
			401,
		);
	}
	if (failure.status !== undefined) {
		return statusError(node, failure.status, failure.body, where, secrets);
	}
	return apiError(
		node,
		`Could not reach the Transak API (${networkFailureWords(failure.code)})`,
		clean(
			`${where} at ${displayUrl(request.baseURL ?? (apiBaseUrl(credentials) || '(no base URL)'))} failed before Transak answered${failure.code ? ` (${failure.code})` : ''}.`,
		),
	);
}
