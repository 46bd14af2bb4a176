/**
 * The fake Transak partner API (real HTTP on 127.0.0.1) with a stored credential pointing at it,
 * and execute contexts (./n8n.ts) that call it the way n8n does.
 */
import type { IDataObject } from 'n8n-workflow';

import { Transak } from '../../../nodes/Transak/Transak.node';

import {
	makeOrders,
	startFakeTransakApi,
	type FakeTransakApi,
	type FakeTransakApiOptions,
} from '../../../tools/transak/fake-api';
import {
	createCredentialStore,
	credentialType,
	executeContext,
	loadOptionsContext,
	type CredentialStore,
	type N8nMajor,
} from './n8n';

export { makeOrders };

export type FakeApi = FakeTransakApi;

export async function startFake(options: FakeTransakApiOptions = {}): Promise<FakeApi> {
	return await startFakeTransakApi(options);
}

/**
 * Starts a fresh fake API with `orders` orders before each test of the file and closes it after
 * (emulating n8n 2.x again); `onStart` receives it.
 */
export function fakeApiPerTest(orders: number, onStart: (fake: FakeApi) => void): void {
	let fake: FakeApi | undefined;
	beforeEach(async () => {
		fake = await startFake({ orders: makeOrders(orders) });
		onStart(fake);
	});
	afterEach(async () => {
		emulateN8n(2);
		await fake?.close();
	});
}

/** A stored credential for the fake API, with its defaults overridden. */
export function storeFor(fake: FakeApi, overrides: IDataObject = {}): CredentialStore {
	return createCredentialStore(credentialType, fake.credentials(overrides) as IDataObject);
}

let defaultMajor: N8nMajor = 2;

/** Makes contexts created afterwards behave like n8n 1.x or 2.x (for describe.each). */
export function emulateN8n(major: N8nMajor): void {
	defaultMajor = major;
}

/** An execute context using the stored credential. */
export function contextFor(
	store: CredentialStore,
	options: {
		parameters?: IDataObject;
		items?: IDataObject[];
		continueOnFail?: boolean;
		n8nMajor?: N8nMajor;
	} = {},
) {
	return executeContext({ store, n8nMajor: defaultMajor, ...options }).context;
}

/** A loadOptions context using the stored credential, with the node's current parameters. */
export function loadOptionsFor(store: CredentialStore, parameters: IDataObject = {}) {
	return loadOptionsContext({ store, n8nMajor: defaultMajor, parameters }).context;
}

/**
 * A fresh fake API (with `orders` orders) and a stored credential for it before each test, as
 * `api.fake` and `api.store` (a test may replace the store).
 */
export function apiPerTest(orders = 0): { fake: FakeApi; store: CredentialStore } {
	const api = {} as { fake: FakeApi; store: CredentialStore };
	fakeApiPerTest(orders, (fake) => Object.assign(api, { fake, store: storeFor(fake) }));
	return api;
}

/** The Transak node's output for `parameters` (and input `items`) with the stored credential. */
export async function runTransak(
	store: CredentialStore,
	parameters: IDataObject,
	options: { items?: IDataObject[]; continueOnFail?: boolean } = {},
) {
	return (await new Transak().execute.call(contextFor(store, { parameters, ...options })))[0];
}

/**
 * The Transak node against a fresh fake API (with `orders` orders) per test, as `api.fake`: `run`
 * executes the node with `api.store`, which a test may replace.
 */
export function transakNodePerTest(orders = 30) {
	const api = apiPerTest(orders) as { fake: FakeApi; store: CredentialStore } & {
		run: typeof run;
	};
	const run = (
		parameters: IDataObject,
		options: { items?: IDataObject[]; continueOnFail?: boolean } = {},
	) => runTransak(api.store, parameters, options);
	api.run = run;
	return api;
}
