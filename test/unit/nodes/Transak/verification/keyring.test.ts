import jwt from 'jsonwebtoken';

import type { TransakApiCredentials } from '../../../../../nodes/Transak/transport/credentials';
import { credentialFingerprint } from '../../../../../nodes/Transak/transport/token';
import {
	Keyring,
	MIN_READ_INTERVAL_MS,
	REPLACED_TOKEN_TTL_MS,
	type CredentialReader,
} from '../../../../../nodes/Transak/verification/keyring';

const START = 1_900_000_000_000;
const BASE: TransakApiCredentials = {
	environment: 'staging',
	apiKey: 'partner-key',
	accessToken: 'pasted-token-aaaaaaaaaaaaaaaa',
	apiSecret: 'api-secret-bbbbbbbbbbbbbbbbbb',
	previousAccessToken: '',
};

const signed = (key: string) => jwt.sign({ eventID: 'ORDER_COMPLETED' }, key);

/** Credentials as n8n stores them after it refreshed the token. */
function refreshed(token: string, base = BASE): TransakApiCredentials {
	return { ...base, currentAccessToken: token, currentAccessTokenFor: credentialFingerprint(base) };
}

/**
 * A credential store whose reads are counted and, when `gate` is set, held until released: the
 * shape of n8n's getCredentials (a database query), under test control.
 */
function store(initial: TransakApiCredentials) {
	let data = initial;
	let gate: Promise<void> | undefined;
	let fail: Error | undefined;
	const state = {
		reads: 0,
		set: (next: TransakApiCredentials) => (data = next),
		hold() {
			let release!: () => void;
			gate = new Promise<void>((resolve) => (release = resolve));
			return () => {
				gate = undefined;
				release();
			};
		},
		failWith: (error: Error | undefined) => (fail = error),
		read: (async () => {
			state.reads += 1;
			if (gate) await gate;
			if (fail) throw fail;
			return { ...data };
		}) as CredentialReader,
	};
	return state;
}

beforeEach(() => {
	jest.useFakeTimers({ now: START });
});

afterEach(() => {
	jest.useRealTimers();
});

describe('Keyring keys', () => {
	it('verifies with the current token, the previous one and the API secret', () => {
		const keyring = new Keyring();
		keyring.adopt({ ...refreshed('refreshed-token-cccccccccccc'), previousAccessToken: 'prev-dd' });
		for (const key of ['refreshed-token-cccccccccccc', 'prev-dd', BASE.apiSecret as string]) {
			expect(keyring.verifier.verify(signed(key)).ok).toBe(true);
		}
		expect(keyring.verifier.verify(signed('someone-else-eeeeeeeeee')).ok).toBe(false);
	});

	it('the user’s token, once n8n refreshed it, verifies for 15 minutes after the refresh is seen, then never', () => {
		const keyring = new Keyring();
		keyring.adopt(BASE);
		expect(keyring.verifier.verify(signed(BASE.accessToken)).ok).toBe(true);
		keyring.adopt(refreshed('refreshed-token-ffffffffffff'));
		expect(keyring.verifier.verify(signed(BASE.accessToken)).ok).toBe(true);
		keyring.adopt(refreshed('refreshed-token-ffffffffffff'), START + REPLACED_TOKEN_TTL_MS);
		expect(keyring.verifier.verify(signed(BASE.accessToken)).ok).toBe(false);
		expect(keyring.verifier.verify(signed('refreshed-token-ffffffffffff')).ok).toBe(true);
		// A process that first reads the credential after the refresh never trusts the old token.
		const later = new Keyring();
		later.adopt(refreshed('refreshed-token-ffffffffffff'));
		expect(later.verifier.verify(signed(BASE.accessToken)).ok).toBe(false);
	});

	it('keeps the token a new current one replaced for a while, then drops it', () => {
		const keyring = new Keyring();
		keyring.adopt(refreshed('first-refresh-1111111111'));
		keyring.adopt(refreshed('second-refresh-222222222'));
		expect(keyring.verifier.verify(signed('first-refresh-1111111111')).ok).toBe(true);
		keyring.adopt(refreshed('second-refresh-222222222'), START + REPLACED_TOKEN_TTL_MS - 1);
		expect(keyring.verifier.verify(signed('first-refresh-1111111111')).ok).toBe(true);
		keyring.adopt(refreshed('second-refresh-222222222'), START + REPLACED_TOKEN_TTL_MS);
		expect(keyring.verifier.verify(signed('first-refresh-1111111111')).ok).toBe(false);
		expect(keyring.verifier.verify(signed('second-refresh-222222222')).ok).toBe(true);
	});

	it('an edited token replaces the refreshed one, which stays for a while; a removed previous token goes at once', () => {
		const keyring = new Keyring();
		keyring.adopt({
			...refreshed('refreshed-token-3333333333'),
			previousAccessToken: 'prev-444444',
		});
		keyring.adopt({ ...BASE, accessToken: 'edited-token-5555555555' });
		const verifies = (key: string) => keyring.verifier.verify(signed(key)).ok;
		expect(verifies('edited-token-5555555555')).toBe(true);
		expect(verifies('refreshed-token-3333333333')).toBe(true);
		expect(verifies('prev-444444')).toBe(false);
		expect(verifies(BASE.accessToken)).toBe(false);
	});

	it('keeps at most four replaced tokens', () => {
		const keyring = new Keyring();
		const tokens = Array.from({ length: 7 }, (_, i) => `rotated-token-${i}-xxxxxxxxxx`);
		for (const token of tokens) keyring.adopt(refreshed(token));
		const verifying = tokens.filter((t) => keyring.verifier.verify(signed(t)).ok);
		expect(verifying).toEqual(tokens.slice(2));
	});
});

describe('Keyring reads', () => {
	it('concurrent callers share one read', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		const release = credential.hold();
		const calls = [
			keyring.fresh(credential.read, 10_000),
			// Deliveries that failed just before the read started.
			...Array.from({ length: 50 }, () => keyring.reread(credential.read, { since: START - 1 })),
			...Array.from({ length: 50 }, () =>
				keyring.reread(credential.read, { since: START - 1, wait: true }),
			),
		];
		release();
		const verifiers = await Promise.all(calls);
		expect(credential.reads).toBe(1);
		expect(new Set(verifiers).size).toBe(1);
	});

	it('the guard is taken when a read starts: a slow read admits no second one, a second later one may start', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.fresh(credential.read, 10_000);
		const release = credential.hold();
		const first = keyring.reread(credential.read, { since: START + 1 });
		jest.setSystemTime(START + MIN_READ_INTERVAL_MS - 1);
		// Arrived after the slow read started: it joins the read in flight, no second read.
		const joined = keyring.reread(credential.read, { since: START + 500 });
		release();
		await Promise.all([first, joined]);
		expect(credential.reads).toBe(2);
		// Within the second after that read started, a later delivery gets no read of its own.
		expect(await keyring.reread(credential.read, { since: Date.now() })).toBeUndefined();
		expect(credential.reads).toBe(2);
		jest.setSystemTime(START + MIN_READ_INTERVAL_MS);
		expect(await keyring.reread(credential.read, { since: Date.now() })).toBeDefined();
		expect(credential.reads).toBe(3);
	});

	it('a delivery whose keys were read after it arrived gets no read of its own', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		const arrived = Date.now();
		// A read that starts in the same millisecond may have started first: one later is fresh.
		jest.setSystemTime(START + 1);
		await keyring.fresh(credential.read, 10_000);
		jest.setSystemTime(START + 5 * MIN_READ_INTERVAL_MS);
		expect(await keyring.reread(credential.read, { since: arrived })).toBe(keyring.verifier);
		expect(credential.reads).toBe(1);
	});

	it('waiting callers get keys read after they failed: one queued read for all of them', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.reread(credential.read, { since: START - 1 });
		expect(credential.reads).toBe(1);
		credential.set(refreshed('rotated-while-waiting-666666'));
		jest.setSystemTime(START + 200);
		const waiting = Array.from({ length: 100 }, () =>
			keyring.reread(credential.read, { since: Date.now(), wait: true }),
		);
		await jest.advanceTimersByTimeAsync(MIN_READ_INTERVAL_MS - 201);
		expect(credential.reads).toBe(1);
		await jest.advanceTimersByTimeAsync(1);
		const verifiers = await Promise.all(waiting);
		expect(credential.reads).toBe(2);
		for (const verifier of verifiers) {
			expect(verifier?.verify(signed('rotated-while-waiting-666666')).ok).toBe(true);
		}
	});

	it('callers that do not wait never join a queued read: they get undefined at once', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.reread(credential.read, { since: START - 1 });
		jest.setSystemTime(START + 100);
		const waiting = keyring.reread(credential.read, { since: Date.now(), wait: true });
		expect(await keyring.reread(credential.read, { since: Date.now() })).toBeUndefined();
		await jest.advanceTimersByTimeAsync(MIN_READ_INTERVAL_MS);
		expect(await waiting).toBeDefined();
		expect(credential.reads).toBe(2);
	});

	it('a flood of failing deliveries reads at most once a second', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.fresh(credential.read, 10_000);
		const pending: Array<Promise<unknown>> = [];
		for (let ms = 0; ms < 10_000; ms += 10) {
			pending.push(keyring.reread(credential.read, { since: Date.now(), wait: true }));
			pending.push(keyring.reread(credential.read, { since: Date.now() }));
			await jest.advanceTimersByTimeAsync(10);
		}
		await jest.advanceTimersByTimeAsync(MIN_READ_INTERVAL_MS);
		await Promise.all(pending);
		// The first read, then one a second for ten seconds (the last for the last deliveries).
		expect(credential.reads).toBeGreaterThanOrEqual(10);
		expect(credential.reads).toBeLessThanOrEqual(12);
	});

	it('fresh() reads when the keys are older than asked, and not more than once a second', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.fresh(credential.read, 10_000);
		await keyring.fresh(credential.read, 10_000);
		expect(credential.reads).toBe(1);
		jest.setSystemTime(START + 10_000);
		await keyring.fresh(credential.read, 10_000);
		expect(credential.reads).toBe(2);
	});

	it('a failed read drops every key; without keys, fresh() fails until a read works', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		credential.failWith(new Error('database unavailable'));
		await expect(keyring.fresh(credential.read, 10_000)).rejects.toThrow('database unavailable');
		// Within the second: no second read, the same failure in words.
		await expect(keyring.fresh(credential.read, 10_000)).rejects.toThrow(/could not be read/);
		expect(credential.reads).toBe(1);
		credential.failWith(undefined);
		jest.setSystemTime(START + MIN_READ_INTERVAL_MS);
		const verifier = await keyring.fresh(credential.read, 10_000);
		expect(verifier.verify(signed(BASE.accessToken)).ok).toBe(true);

		credential.failWith(new Error('database unavailable'));
		jest.setSystemTime(START + 3 * MIN_READ_INTERVAL_MS);
		await expect(keyring.reread(credential.read, { since: Date.now() })).rejects.toThrow();
		expect(keyring.verifier.hasKeys).toBe(false);
		expect(keyring.verifier.verify(signed(BASE.accessToken)).ok).toBe(false);
		// Readable again: verifies again.
		credential.failWith(undefined);
		jest.setSystemTime(START + 5 * MIN_READ_INTERVAL_MS);
		const again = await keyring.reread(credential.read, { since: Date.now() });
		expect(again?.verify(signed(BASE.accessToken)).ok).toBe(true);
		expect(verifier.hasKeys).toBe(true);
	});

	it('dispose() hands waiting callers the keys held, without reading', async () => {
		const credential = store(BASE);
		const keyring = new Keyring();
		await keyring.reread(credential.read, { since: START + 1 });
		jest.setSystemTime(START + 100);
		const waiting = keyring.reread(credential.read, { since: Date.now(), wait: true });
		keyring.dispose();
		expect(await waiting).toBe(keyring.verifier);
		await jest.advanceTimersByTimeAsync(5 * MIN_READ_INTERVAL_MS);
		expect(credential.reads).toBe(1);
	});
});
