import { inspect } from 'util';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import { refreshStats } from '../../../nodes/shared/token';

import {
	makeOrders,
	startFakeTransakApi,
	type FakeTransakApi,
	type FakeTransakApiOptions,
} from '../../../tools/transak/fake-api';

/* eslint-disable @typescript-eslint/no-require-imports */
const {
	createCredentialStore,
	createExecuteFunctions,
	testCredential,
} = require('../../support/n8n-context');
/* eslint-enable @typescript-eslint/no-require-imports */

export {
	startFakeTransakApi,
	makeOrders,
	createCredentialStore,
	createExecuteFunctions,
	testCredential,
};

export type FakeApi = FakeTransakApi;

export interface CredentialStore {
	id: string;
	name: string;
	stored: IDataObject;
	writes: number;
	decrypt(): IDataObject;
	update(next: IDataObject): void;
}

export const credentialType = new TransakApi();

export async function startFake(options: FakeTransakApiOptions = {}): Promise<FakeApi> {
	return await startFakeTransakApi(options);
}

export function storeFor(fake: FakeApi, overrides: IDataObject = {}): CredentialStore {
	return createCredentialStore(credentialType, fake.credentials(overrides)) as CredentialStore;
}

export interface Ctx extends IExecuteFunctions {
	helpers: IExecuteFunctions['helpers'] & {
		log: Array<{ method: string; url: string; headers: IDataObject }>;
	};
}

/** Which n8n's error wrapping the emulated request helpers reproduce (see n8n-context.js). */
export type N8nMajor = 1 | 2;

let defaultMajor: N8nMajor = 2;

/** Makes contexts created afterwards behave like n8n 1.x or 2.x (for describe.each). */
export function emulateN8n(major: N8nMajor): void {
	defaultMajor = major;
}

export function contextFor(
	store: CredentialStore,
	options: {
		parameters?: IDataObject;
		items?: IDataObject[];
		continueOnFail?: boolean;
		n8nMajor?: N8nMajor;
	} = {},
): Ctx {
	return createExecuteFunctions({
		credentialType,
		store,
		n8nMajor: defaultMajor,
		...options,
	}) as Ctx;
}

/** Everything an error could show a user or a log, flattened to text. */
export function errorText(error: unknown): string {
	const e = error as IDataObject;
	let json = '';
	try {
		json = JSON.stringify(error);
	} catch {
		json = '';
	}
	return [
		String(e?.message),
		String(e?.description),
		json,
		inspect(error, { depth: 8 }),
		String(e?.stack),
	].join('\n');
}

export async function caught(promise: Promise<unknown>): Promise<Error & IDataObject> {
	try {
		await promise;
	} catch (error) {
		return error as Error & IDataObject;
	}
	throw new Error('expected a rejection');
}

export function resetRefreshState(): void {
	refreshStats.reset();
}
