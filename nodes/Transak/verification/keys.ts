import type { IWebhookFunctions } from 'n8n-workflow';

import { isNonEmptyString } from '../model/guards';
import type { TransakApiCredentials } from '../transport/credentials';
import { apiAccessToken } from '../transport/token';
import { JwtVerifier } from './jwt';

const MAX_VERIFIERS = 64;
const verifiers = new Map<string, JwtVerifier>();

/**
 * One verifier per key set, reused across deliveries: building key state is the costly part of
 * verification. Bounded, so rotating tokens cannot grow it without limit.
 */
export function verifierFor(keys: readonly string[]): JwtVerifier {
	const id = keys.join('\u0000');
	let verifier = verifiers.get(id);
	if (verifier === undefined) {
		verifier = new JwtVerifier(keys);
		if (verifiers.size >= MAX_VERIFIERS) verifiers.delete(verifiers.keys().next().value as string);
		verifiers.set(id, verifier);
	}
	return verifier;
}

/**
 * Every token that may sign Transak webhooks and all-orders WebSocket events, newest first: the
 * refreshed token (Transak may sign with it once it replaced the old one), the user's access
 * token, and the optional previous token.
 */
export function currentAccessTokens(credentials: TransakApiCredentials): string[] {
	return [
		...new Set(
			[
				apiAccessToken(credentials),
				credentials.accessToken,
				credentials.previousAccessToken,
			].filter(isNonEmptyString),
		),
	];
}

/** How long a trigger reuses the keys it read from its credential. */
const KEYS_TTL_MS = 10_000;
/** At most one re-read per trigger this often when a delivery fails with the cached keys. */
const REFETCH_INTERVAL_MS = 1_000;
const MAX_ENTRIES = 1_000;

interface Entry {
	verifier: JwtVerifier;
	fetchedAt: number;
	/** When a rejected delivery last caused a re-read. */
	retriedAt: number;
}

const entries = new Map<string, Entry>();

/**
 * The verifier for one trigger's deliveries. Reading a credential in n8n costs a database query and
 * an expression sandbox per call, many times the verification itself, so the keys are kept for a
 * few seconds. A delivery that fails with cached keys may re-read them (a token rotated in the
 * credential takes effect at once), but not more than once a second, so forged deliveries cannot
 * turn into a stream of credential reads.
 */
export class WebhookKeys {
	private readonly id: string;

	private fetchedNow = false;

	constructor(
		private readonly context: IWebhookFunctions,
		scope: string,
	) {
		const credentialId = context.getNode().credentials?.transakApi?.id ?? '';
		this.id = `${scope}|${credentialId}`;
	}

	async verifier(now = Date.now()): Promise<JwtVerifier> {
		const entry = entries.get(this.id);
		if (entry !== undefined && now - entry.fetchedAt < KEYS_TTL_MS) return entry.verifier;
		return await this.fetch(now);
	}

	/** A fresher verifier after a rejection with cached keys, or undefined when none is due. */
	async retryVerifier(now = Date.now()): Promise<JwtVerifier | undefined> {
		const entry = entries.get(this.id);
		if (this.fetchedNow || (entry !== undefined && now - entry.retriedAt < REFETCH_INTERVAL_MS)) {
			return undefined;
		}
		return await this.fetch(now, now);
	}

	private async fetch(now: number, retriedAt = Number.NEGATIVE_INFINITY): Promise<JwtVerifier> {
		const credentials = (await this.context.getCredentials(
			'transakApi',
		)) as unknown as TransakApiCredentials;
		const verifier = verifierFor(currentAccessTokens(credentials));
		this.fetchedNow = true;
		entries.delete(this.id);
		if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
		entries.set(this.id, { verifier, fetchedAt: now, retriedAt });
		return verifier;
	}
}
