import { inspect } from 'util';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import { refreshStats } from '../../../nodes/shared/token';

/* eslint-disable @typescript-eslint/no-require-imports */
const { startFakeTransakApi, makeOrders } = require('../../support/fake-transak-api');
const { createCredentialStore, createExecuteFunctions, testCredential } = require('../../support/n8n-context');
/* eslint-enable @typescript-eslint/no-require-imports */

export { startFakeTransakApi, makeOrders, createCredentialStore, createExecuteFunctions, testCredential };

export interface FakeApi {
	url: string;
	apiKey: string;
	apiSecret: string;
	accessToken: string;
	validTokens: string[];
	refreshCalls: number;
	requests: Array<{ method: string; path: string; query: Record<string, string>; accessToken?: string; apiSecret?: string }>;
	orders: IDataObject[];
	credentials(overrides?: IDataObject): IDataObject;
	setAccessToken(token: string, options?: { keepPrevious?: boolean }): string;
	rotateAccessToken(options?: { keepPrevious?: boolean }): string;
	expireAccessToken(): void;
	expiredToken(): string;
	seedOrders(orders: IDataObject[]): IDataObject[];
	addOrder(order: IDataObject): IDataObject;
	addWebhook(entry: IDataObject): IDataObject;
	seedWebhooks(entries: IDataObject[]): IDataObject[];
	failNext(failure: IDataObject): void;
	failRefresh(status: number | null, body?: unknown): void;
	reset(): void;
	requestsTo(prefix: string): FakeApi['requests'];
	close(): Promise<void>;
}

export interface CredentialStore {
	id: string;
	name: string;
	stored: IDataObject;
	writes: number;
	decrypt(): IDataObject;
	update(next: IDataObject): void;
}

export const credentialType = new TransakApi();

export async function startFake(options: IDataObject = {}): Promise<FakeApi> {
	return (await startFakeTransakApi(options)) as FakeApi;
}

export function storeFor(fake: FakeApi, overrides: IDataObject = {}): CredentialStore {
	return createCredentialStore(credentialType, fake.credentials(overrides)) as CredentialStore;
}

export interface Ctx extends IExecuteFunctions {
	helpers: IExecuteFunctions['helpers'] & { log: Array<{ method: string; url: string; headers: IDataObject }> };
}

export function contextFor(
	store: CredentialStore,
	options: { parameters?: IDataObject; items?: IDataObject[]; continueOnFail?: boolean } = {},
): Ctx {
	return createExecuteFunctions({ credentialType, store, ...options }) as Ctx;
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
	return [String(e?.message), String(e?.description), json, inspect(error, { depth: 8 }), String(e?.stack)].join('\n');
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
