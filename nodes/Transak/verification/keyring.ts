import type { IWebhookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, type TransakApiCredentials } from '../transport/credentials';
import { credentialSecrets, scrubSecrets } from '../text/secrets';
import { apiAccessToken } from '../transport/token';
import { JwtVerifier } from './jwt';
import { verificationKeys, verifierFor } from './keys';
import { HOURLY_NOTE, RotationWatch, rotationMessage } from './rotation';

/*
 * The keys a trigger verifies Transak's signatures with, following its credential.
 *
 * Transak signs with the partner's current access token, and every refresh replaces it: n8n's
 * own refresh (stored in the credential by whichever n8n process made the call), another
 * system's, or the user pasting a new token. A keyring re-reads the credential when a delivery
 * fails verification, so that the first delivery signed with a new token is verified with it,
 * and keeps the token the new one replaced for a while, for deliveries signed before the change.
 *
 * Reading a credential costs n8n a database query and an expression sandbox, and forged
 * deliveries fail verification too. So reads are shared (callers join the read in flight), a
 * delivery whose keys were read after it arrived gets no read of its own, and reads for failed
 * deliveries start at least a second apart (the guard is taken when a read starts). Reads because
 * the keys have aged (every few seconds or minutes, while deliveries verify) come on top.
 *
 * A token verifies while it is the credential's current token, and for REPLACED_TOKEN_TTL_MS after
 * a read shows it replaced (by n8n's refresh, another process's, or the user's edit); then never.
 * A read that fails (the credential was deleted, or cannot be decrypted) drops every key: what
 * cannot be read can no longer vouch for a delivery.
 */

/** Reads the trigger's credential from n8n (fresh from the database on every call). */
export type CredentialReader = () => Promise<TransakApiCredentials>;

/** Least time between the starts of two reads for failed deliveries (and after any read). */
export const MIN_READ_INTERVAL_MS = 1_000;

/** How long the token that a new current token replaced still verifies. */
export const REPLACED_TOKEN_TTL_MS = 15 * 60_000;

/** Replaced tokens kept at most (a credential edited over and over cannot grow the key set). */
const MAX_REPLACED = 4;

const NO_KEYS = new JwtVerifier([]);

export interface RereadOptions {
	/** When the delivery that failed arrived: keys read since then are fresh enough for it. */
	since?: number;
	/**
	 * Without: join a read in flight, else start one if the interval allows, else give up at once
	 * (undefined). With: always get keys read after `since`, waiting for the interval if need be.
	 */
	wait?: boolean;
}

export class Keyring {
	private verifierNow = NO_KEYS;

	/** The credential's current token at the last read. */
	private current: string | undefined;

	/** Tokens the current one replaced, and until when they verify. */
	private readonly replaced = new Map<string, number>();

	private lastReadAt: number | undefined;

	/** When the last read started, and the last read for a failed delivery: the guards. */
	private lastStartedAt = Number.NEGATIVE_INFINITY;

	private lastRereadAt = Number.NEGATIVE_INFINITY;

	private reading: { promise: Promise<JwtVerifier>; startedAt: number } | undefined;

	private queued: { promise: Promise<JwtVerifier>; cancel(): void } | undefined;

	/** The keys held now. */
	get verifier(): JwtVerifier {
		return this.verifierNow;
	}

	/** When the keys were last read (ms since epoch), undefined before the first read. */
	get readAt(): number | undefined {
		return this.lastReadAt;
	}

	/** Takes the keys of credential data read elsewhere (e.g. at activation) or just now. */
	adopt(credentials: TransakApiCredentials, now = Date.now()): JwtVerifier {
		const current = apiAccessToken(credentials);
		if (this.current !== undefined && this.current !== '' && this.current !== current) {
			this.replaced.delete(this.current);
			this.replaced.set(this.current, now + REPLACED_TOKEN_TTL_MS);
			if (this.replaced.size > MAX_REPLACED) {
				this.replaced.delete(this.replaced.keys().next().value as string);
			}
		}
		this.current = current;
		for (const [token, until] of this.replaced) {
			if (until <= now || token === current) this.replaced.delete(token);
		}
		// Masked in every log line and error from now on, wherever they come from.
		credentialSecrets(credentials as unknown as Record<string, unknown>);
		this.verifierNow = verifierFor(verificationKeys(credentials, [...this.replaced.keys()]));
		this.lastReadAt = now;
		return this.verifierNow;
	}

	/**
	 * The keys, read again first when they are older than `maxAgeMs` (or there are none yet). A
	 * read in flight is joined; within a second of the last read the keys held are kept (an error
	 * when there are none: the credential could not be read).
	 */
	async fresh(read: CredentialReader, maxAgeMs: number): Promise<JwtVerifier> {
		const now = Date.now();
		if (this.lastReadAt !== undefined && now - this.lastReadAt < maxAgeMs) return this.verifierNow;
		if (this.reading !== undefined) return await this.reading.promise;
		if (now - this.lastStartedAt < MIN_READ_INTERVAL_MS) {
			if (this.lastReadAt !== undefined) return this.verifierNow;
			throw new Error('The Transak API credential could not be read');
		}
		return await this.start(read, false);
	}

	/**
	 * Keys read again for a delivery that failed verification (see RereadOptions), or undefined
	 * when no read is due. Rejects when the read fails; the keys held stay.
	 */
	async reread(
		read: CredentialReader,
		{ since = Date.now(), wait = false }: RereadOptions = {},
	): Promise<JwtVerifier | undefined> {
		if (this.reading !== undefined) {
			if (this.reading.startedAt > since || !wait) return await this.reading.promise;
		} else if (this.lastStartedAt > since) {
			return this.verifierNow;
		}
		const now = Date.now();
		const due = this.lastRereadAt + MIN_READ_INTERVAL_MS;
		if (this.reading === undefined && this.queued === undefined && now >= due) {
			return await this.start(read, true);
		}
		if (!wait) return undefined;
		return await (this.queued?.promise ?? this.queue(read, due - now));
	}

	/** Drops every key, after a failed read. */
	private forget(): void {
		this.verifierNow = NO_KEYS;
		this.current = undefined;
		this.replaced.clear();
	}

	/** Cancels a queued read: its callers get the keys held now. For a trigger that closes. */
	dispose(): void {
		this.queued?.cancel();
	}

	private start(read: CredentialReader, forFailure: boolean): Promise<JwtVerifier> {
		const startedAt = Date.now();
		this.lastStartedAt = startedAt;
		if (forFailure) this.lastRereadAt = startedAt;
		const promise = read().then(
			(credentials) => this.adopt(credentials),
			(error: unknown) => {
				this.forget();
				throw error;
			},
		);
		const reading = { promise, startedAt };
		this.reading = reading;
		const done = () => {
			if (this.reading === reading) this.reading = undefined;
		};
		promise.then(done, done);
		return promise;
	}

	/** The next read, `delayMs` from now and after the one in flight; shared until it starts. */
	private queue(read: CredentialReader, delayMs: number): Promise<JwtVerifier> {
		let cancelled = false;
		let timer: NodeJS.Timeout | undefined;
		let settle: ((verifier: JwtVerifier) => void) | undefined;
		const promise = new Promise<JwtVerifier>((resolve, reject) => {
			settle = resolve;
			timer = setTimeout(
				() => {
					void (async () => {
						while (this.reading !== undefined) await this.reading.promise.catch(() => undefined);
						if (cancelled) return;
						this.queued = undefined;
						this.start(read, true).then(resolve, reject);
					})();
				},
				Math.max(0, delayMs),
			);
			timer.unref?.();
		});
		const queued = {
			promise,
			cancel: () => {
				cancelled = true;
				clearTimeout(timer);
				if (this.queued === queued) this.queued = undefined;
				settle?.(this.verifierNow);
			},
		};
		this.queued = queued;
		return promise;
	}
}

// ---------------------------------------------------------------------------------------------
// The Transak Trigger's keys: n8n runs webhook() afresh for every delivery, so each trigger's
// keyring and rotation watch live here, per process, for the deliveries that follow.

/** How long the Transak Trigger reuses keys it read, while deliveries verify. */
export const WEBHOOK_KEYS_TTL_MS = 10_000;
const MAX_WEBHOOK_TRIGGERS = 1_000;

/**
 * Deliveries of one trigger that may wait (at most about a second) for the next credential read.
 * Every delivery that fails verification may wait: a run of forged deliveries must not keep a
 * genuine one signed with a just-changed token from the read that verifies it. They all join one
 * read; this is only a fuse against holding unbounded requests open.
 */
const MAX_WAITING_DELIVERIES = 1_000;

interface WebhookTrigger {
	keyring: Keyring;
	watch: RotationWatch;
	/** Deliveries waiting for the next read now. */
	waiting: number;
	/** Whether the warning that the credential cannot be read was logged since the last good read. */
	unreadableSaid: boolean;
}

const webhookTriggers = new Map<string, WebhookTrigger>();

/** Names a trigger in log lines and errors: node, workflow name and ID. */
export function triggerLabel(
	context: Pick<IWebhookFunctions, 'getNode' | 'getWorkflow'>,
	kind: string,
): string {
	const workflow = context.getWorkflow();
	return `${kind} "${context.getNode().name}" in workflow "${workflow.name ?? ''}" (${String(workflow.id ?? '')})`;
}

/** The verification keys of one Transak Trigger, for one delivery. */
export class WebhookKeys {
	private readonly trigger: WebhookTrigger;

	private readonly read: CredentialReader;

	private readonly arrivedAt = Date.now();

	constructor(
		private readonly context: IWebhookFunctions,
		scope: string,
	) {
		const credentialId = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? '';
		const id = `${scope}|${credentialId}`;
		let trigger = webhookTriggers.get(id);
		if (trigger === undefined) {
			trigger = {
				keyring: new Keyring(),
				watch: new RotationWatch(scope),
				waiting: 0,
				unreadableSaid: false,
			};
			if (webhookTriggers.size >= MAX_WEBHOOK_TRIGGERS) {
				webhookTriggers.delete(webhookTriggers.keys().next().value as string);
			}
			webhookTriggers.set(id, trigger);
		}
		this.trigger = trigger;
		this.read = async () =>
			(await context.getCredentials(CREDENTIAL_TYPE)) as unknown as TransakApiCredentials;
	}

	/**
	 * The keys to verify with: those held, read again once they are older than the TTL. A failed
	 * read leaves none: the delivery gets 401.
	 */
	async verifier(): Promise<JwtVerifier> {
		const { keyring } = this.trigger;
		try {
			const verifier = await keyring.fresh(this.read, WEBHOOK_KEYS_TTL_MS);
			if (verifier.hasKeys) this.trigger.unreadableSaid = false;
			return verifier;
		} catch (error) {
			this.unreadable(error);
			return keyring.verifier;
		}
	}

	/**
	 * Keys read after this delivery arrived, for a delivery that failed verification: shared, at
	 * most one such read a second per trigger, none when the keys were read after it arrived. A
	 * few deliveries at a time wait for the next read when one started less than a second ago;
	 * the others get undefined at once (see MAX_WAITING_DELIVERIES), as when the read failed.
	 */
	async reread(): Promise<JwtVerifier | undefined> {
		const { trigger } = this;
		const wait = trigger.waiting < MAX_WAITING_DELIVERIES;
		if (wait) trigger.waiting += 1;
		try {
			return await trigger.keyring.reread(this.read, { since: this.arrivedAt, wait });
		} catch (error) {
			this.unreadable(error);
			return undefined;
		} finally {
			if (wait) trigger.waiting -= 1;
		}
	}

	/**
	 * A failed read drops the keys: said once as a warning until a read succeeds again, then at
	 * debug level, with n8n's own message (masked).
	 */
	private unreadable(error: unknown): void {
		const { trigger } = this;
		const reason = scrubSecrets(error instanceof Error ? error.message : String(error));
		const label = triggerLabel(this.context, 'Transak Trigger');
		if (trigger.unreadableSaid) {
			this.context.logger.debug(`${label}: could not read the Transak API credential (${reason})`);
			return;
		}
		trigger.unreadableSaid = true;
		this.context.logger.warn(
			`${label}: could not read the Transak API credential (${reason}). Deliveries are refused (401) until it can be read again: check that the credential still exists.`,
		);
	}

	/** Follows the run of deliveries refused for their signature, and warns when it persists. */
	settle(outcome: 'verified' | 'mismatch' | 'other'): void {
		const { watch } = this.trigger;
		if (outcome === 'verified') watch.verified();
		if (outcome !== 'mismatch') return;
		const verdict = watch.refused(this.arrivedAt);
		if (!verdict.warn) return;
		this.context.logger.warn(
			`${triggerLabel(this.context, 'Transak Trigger')}: ${rotationMessage(verdict, 'deliveries', 'they are signed with an access token the credential does not hold, or forged')} ${HOURLY_NOTE}`,
		);
	}
}
