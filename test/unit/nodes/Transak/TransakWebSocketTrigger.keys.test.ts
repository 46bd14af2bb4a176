/**
 * The Transak WebSocket Trigger's verification keys follow its credential: a token refreshed by
 * n8n (stored in the credential by any n8n process) or edited by the user verifies the very event
 * that first carries it, credential reads stay bounded under floods, and a rotation the
 * credential missed is loud. Real pusher-js against the Pusher-protocol test server.
 */
import { credentialFingerprint } from '../../../../nodes/Transak/transport/token';
import { createCredentialStore, credentialType, type CredentialStore } from '../../support/n8n';
import {
	ACCESS_TOKEN,
	API_KEY,
	API_SECRET,
	PREVIOUS_TOKEN,
	credentialsFor,
	fixtures,
	newOrder,
	triggerSuite,
	type Harness,
	type LogLine,
} from '../../support/pusher';
import { sleep, until } from '../../support/wait';

const suite = triggerSuite();

const REFRESHED = 'refreshed-by-n8n-token-1111111111111111';
const EDITED = 'edited-by-the-user-token-2222222222222';

let workflows = 0;

interface Started {
	harness: Harness;
	store: CredentialStore;
	/** Credential reads since activation. */
	reads(): number;
}

async function startAllOrders(): Promise<Started> {
	const store = createCredentialStore(credentialType, credentialsFor(''));
	let reads = 0;
	workflows += 1;
	const harness = await suite.start({
		channel: 'allOrders',
		store,
		workflowId: `wf-keys-${workflows}-${Date.now()}`,
		onGetCredentials: () => (reads += 1),
	});
	const atActivation = reads;
	return { harness, store, reads: () => reads - atActivation };
}

/** What n8n stores after the Transak node refreshed the expired token (in any process). */
function storeRefresh(store: CredentialStore, token: string): void {
	store.update({
		...store.stored,
		currentAccessToken: token,
		currentAccessTokenFor: credentialFingerprint(store.decrypt() as never),
	});
}

const ids = (harness: Harness) => harness.emitted.map((item) => item.orderId);

describe('all-orders keys follow the credential', () => {
	it('the first event signed with a token refreshed after activation is verified and emitted', async () => {
		const { harness, store, reads } = await startAllOrders();
		storeRefresh(store, REFRESHED);
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order, REFRESHED);
		await until(() => harness.emitted.length === 1, 5000, 'the event signed with the new token');
		expect(harness.emitted[0]).toMatchObject({ orderId: order.id, status: 'COMPLETED' });
		expect(reads()).toBe(1);

		// Signed before the refresh, delivered after: the token it replaced still verifies.
		const late = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', late, ACCESS_TOKEN);
		await until(() => harness.emitted.length === 2);
		expect(reads()).toBe(1);
		expect(harness.errors).toEqual([]);
	});

	it('a burst of events signed with the new token: every one emitted, one credential read', async () => {
		const { harness, store, reads } = await startAllOrders();
		storeRefresh(store, REFRESHED);
		const orders = Array.from({ length: 30 }, () => newOrder({ status: 'COMPLETED' }));
		await Promise.all(
			orders.map((order) => suite.publishSigned('ORDER_COMPLETED', order, REFRESHED)),
		);
		await until(() => harness.emitted.length === orders.length, 5000, 'every event');
		expect(new Set(ids(harness))).toEqual(new Set(orders.map((o) => o.id)));
		expect(reads()).toBe(1);
	});

	it('after the credential is edited, events signed with the edited token run', async () => {
		const { harness, store } = await startAllOrders();
		store.update({ ...store.stored, accessToken: EDITED });
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order, EDITED);
		await until(() => harness.emitted.length === 1);
		// Signed with the API secret, as integrations from 2021 verified: accepted too.
		const other = newOrder({ status: 'FAILED' });
		await suite.publishSigned('ORDER_FAILED', other, API_SECRET);
		await until(() => harness.emitted.length === 2);
		expect(ids(harness)).toEqual([order.id, other.id]);
	});

	it('re-reads the credential every minute, so an edited token verifies without a failed event', async () => {
		const setInterval = jest.spyOn(global, 'setInterval');
		let started: Started;
		let periodic: (() => void) | undefined;
		try {
			started = await startAllOrders();
			periodic = setInterval.mock.calls.find(([, ms]) => ms === 60_000)?.[0] as () => void;
		} finally {
			setInterval.mockRestore();
		}
		const { harness, store, reads } = started;
		expect(periodic).toBeInstanceOf(Function);

		store.update({ ...store.stored, accessToken: EDITED });
		const now = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
		try {
			periodic!();
		} finally {
			clock.mockRestore();
		}
		await until(() => reads() === 1, 5000, 'the periodic read');
		const order = newOrder({ status: 'COMPLETED' });
		await suite.publishSigned('ORDER_COMPLETED', order, EDITED);
		await until(() => harness.emitted.length === 1);
		expect(reads()).toBe(1); // verified with the keys read by the timer
	});

	it('a forged flood reads the credential at most once a second', async () => {
		const { harness, reads } = await startAllOrders();
		const forged = () =>
			fixtures.forge(fixtures.orderClaims('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' })));
		const started = Date.now();
		// Fewer than the 20 in a row that raise an error, in bursts over about two seconds.
		for (let burst = 0; burst < 6; burst += 1) {
			await Promise.all(
				Array.from({ length: 3 }, () => suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', forged())),
			);
			await sleep(350);
		}
		await sleep(1200); // the reads the last forged events queued
		const seconds = (Date.now() - started) / 1000;
		expect(reads()).toBeGreaterThanOrEqual(2);
		expect(reads()).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
		expect(harness.emitted).toEqual([]);
		expect(harness.errors).toEqual([]);
	});
});

describe('a rotation the credential missed is loud', () => {
	it('events no key verifies: one warning, then after 20 in a row one error, never a token', async () => {
		const { harness } = await startAllOrders();
		for (let i = 0; i < 25; i += 1) {
			const claims = fixtures.orderClaims('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
			await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', fixtures.forge(claims));
		}
		await until(() => harness.errors.length === 1, 10_000, 'the error');
		await sleep(1500);
		expect(harness.errors).toHaveLength(1);
		const [error] = harness.errors;
		expect(error.message).toMatch(/^20 all-orders events in a row failed verification/);
		expect(error.message).toContain('signs them with an access token the credential does not hold');
		const warnings = harness.logs.filter(
			(l) => l.level === 'warn' && /failed verification with every key/.test(l.message),
		);
		// Each names the node and the workflow, once.
		const named =
			/^Transak WebSocket Trigger "Transak WebSocket Trigger" in workflow "test" \(wf-keys-[^)]+\): /;
		expect(warnings.map((w) => w.message)).toEqual([
			expect.stringMatching(new RegExp(`${named.source}3 all-orders events in a row`)),
			expect.stringMatching(new RegExp(`${named.source}20 all-orders events in a row`)),
		]);
		// Whole, even with the workflow and node names in front.
		expect(warnings[0].message).toMatch(/ This warning repeats at most once an hour\.$/);
		const text = JSON.stringify([harness.logs, error.message]);
		for (const secret of [ACCESS_TOKEN, PREVIOUS_TOKEN, API_SECRET]) {
			expect(text).not.toContain(secret);
		}
		expect(harness.emitted).toEqual([]);
		// The error closed the stream: n8n re-activates the trigger.
		await suite.server.waitForNoConnections();
	});

	it('a verified event ends the run: interleaved failures stay quiet', async () => {
		const { harness } = await startAllOrders();
		for (let i = 0; i < 10; i += 1) {
			const claims = fixtures.orderClaims('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
			await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', fixtures.forge(claims));
			await suite.sdk.trigger(API_KEY, 'ORDER_COMPLETED', fixtures.forge(claims));
			await suite.publishSigned('ORDER_COMPLETED', newOrder({ status: 'COMPLETED' }));
			await until(() => harness.emitted.length === i + 1);
			await sleep(20);
		}
		await sleep(1500);
		expect(harness.errors).toEqual([]);
		const warned = (l: LogLine) => l.level === 'warn' && /every key/.test(l.message);
		expect(harness.logs.filter(warned)).toEqual([]);
	});
});

describe('public channels', () => {
	it('a signed token on an order channel verifies with the keys read at activation', async () => {
		const store = createCredentialStore(credentialType, credentialsFor(''));
		let reads = 0;
		const order = newOrder({ status: 'COMPLETED' });
		const harness = await suite.start({
			channel: 'orderId',
			orderId: String(order.id),
			store,
			workflowId: `wf-keys-public-${Date.now()}`,
			onGetCredentials: () => (reads += 1),
		});
		const atActivation = reads;
		await suite.sdk.trigger(
			String(order.id),
			'ORDER_COMPLETED',
			fixtures.signedOrder('ORDER_COMPLETED', order, ACCESS_TOKEN),
		);
		await until(() => harness.emitted.length === 1, 5000, 'the signed event');
		expect(harness.emitted[0]).toMatchObject({ orderId: order.id, status: 'COMPLETED' });
		expect(reads - atActivation).toBe(0);
	});
});
