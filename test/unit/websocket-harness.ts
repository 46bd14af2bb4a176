/**
 * Shared set-up for the WebSocket trigger tests: a Pusher-protocol server, the official `pusher`
 * SDK publishing to it, a small real-HTTP fake of the Transak partner API, and mocked
 * ITriggerFunctions whose httpRequestWithAuthentication performs real requests.
 */
import PusherSdk from 'pusher';
import PusherJs from 'pusher-js';
import type {
	IDataObject,
	INode,
	ITriggerFunctions,
	ITriggerResponse,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import { TransakApi } from '../../credentials/TransakApi.credentials';
import { TransakWebSocketTrigger } from '../../nodes/TransakWebSocketTrigger/TransakWebSocketTrigger.node';
import {
	startFakeTransakApi,
	type FakeOrder,
	type FakeTransakApi,
} from '../../tools/transak/fake-api';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPusherServer } = require('../../tools/transak/pusher-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCredentialStore, createRequestHelpers } = require('../support/n8n-context.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const fixtures = require('../../tools/transak/fixtures.js');

export const APP = { appId: '4242', key: 'test-app-key', secret: 'test-app-secret' };
export const API_KEY = 'partner-api-key-1';
export const ACCESS_TOKEN = 'access-token-secret-value-0123456789';
export const PREVIOUS_TOKEN = 'previous-access-token-value-9876543210';
export const API_SECRET = 'api-secret-value-abcdef0123456789';

export interface PusherServer {
	port: number;
	appId: string;
	key: string;
	secret: string;
	stats: Record<string, number>;
	connections(): Array<{ socketId: string; channels: string[] }>;
	channels(): Record<string, number>;
	subscribers(channel: string): string[];
	subscriptionCount(channel: string): number;
	waitForSubscribers(channel: string, count?: number, timeoutMs?: number): Promise<void>;
	waitForNoConnections(timeoutMs?: number): Promise<void>;
	next(
		name: string,
		filter?: (event: IDataObject) => boolean,
		timeoutMs?: number,
	): Promise<IDataObject>;
	terminateAll(): number;
	closeAll(code?: number, reason?: string): number;
	refuseConnections(value?: { code: number; message?: string }): void;
	setAnswerPings(value: boolean): void;
	setActivityTimeout(seconds: number): void;
	publish(channel: string, name: string, data: unknown): number;
	stop(): Promise<void>;
	start(): Promise<void>;
	outage(ms: number): Promise<void>;
	close(): Promise<void>;
	on(event: string, listener: (event: IDataObject) => void): void;
	off(event: string, listener: (event: IDataObject) => void): void;
}

export async function startServer(options: IDataObject = {}): Promise<PusherServer> {
	return (await startPusherServer({ port: 0, ...APP, ...options })) as PusherServer;
}

export function publisher(server: PusherServer): PusherSdk {
	return new PusherSdk({
		appId: server.appId,
		key: server.key,
		secret: server.secret,
		host: '127.0.0.1',
		port: String(server.port),
		useTLS: false,
	});
}

// ---------------------------------------------------------------------------------------------
// The shared fake Transak partner API (real HTTP on 127.0.0.1)

export async function startFakeApi(): Promise<FakeTransakApi> {
	return await startFakeTransakApi({
		apiKey: API_KEY,
		accessToken: ACCESS_TOKEN,
		apiSecret: API_SECRET,
	});
}

/** Records a status change as Transak would: the order changes, and a webhook delivery is logged. */
export function changeStatus(
	api: FakeTransakApi,
	orderId: string,
	eventID: string,
	status: string,
	at = Date.now(),
): FakeOrder {
	const order = api.updateOrder(orderId, { status, updatedAt: new Date(at).toISOString() });
	api.addWebhook({ eventID, order: { ...order }, createdAt: new Date(at).toISOString() });
	return order;
}

// ---------------------------------------------------------------------------------------------
// Mocked ITriggerFunctions

export interface LogLine {
	level: string;
	message: string;
}

export interface Harness {
	context: ITriggerFunctions;
	emitted: IDataObject[];
	errors: Error[];
	logs: LogLine[];
	response: ITriggerResponse;
	close(): Promise<void>;
}

export interface HarnessOptions {
	server: PusherServer;
	channel?: 'orderId' | 'partnerOrderId' | 'allOrders';
	orderId?: string;
	partnerOrderId?: string;
	events?: string[];
	options?: IDataObject;
	credentials?: IDataObject;
	apiBaseUrl?: string;
	mode?: WorkflowExecuteMode;
}

export function credentialsFor(apiBaseUrl?: string, extra: IDataObject = {}): IDataObject {
	return {
		environment: 'custom',
		baseUrl: apiBaseUrl ?? '',
		apiKey: API_KEY,
		accessToken: ACCESS_TOKEN,
		apiSecret: API_SECRET,
		previousAccessToken: PREVIOUS_TOKEN,
		...extra,
	};
}

export function makeContext(
	opts: HarnessOptions,
	sink: Pick<Harness, 'emitted' | 'errors' | 'logs'>,
): ITriggerFunctions {
	const credentialType = new TransakApi();
	const store = createCredentialStore(
		credentialType,
		opts.credentials ?? credentialsFor(opts.apiBaseUrl),
	);
	const params: IDataObject = {
		channel: opts.channel ?? 'allOrders',
		orderId: opts.orderId ?? '',
		partnerOrderId: opts.partnerOrderId ?? '',
		events: opts.events ?? [],
		options: {
			appKey: opts.server.key,
			cluster: 'local',
			wsHost: '127.0.0.1',
			wsPort: opts.server.port,
			forceTLS: false,
			...(opts.options ?? {}),
		},
	};
	const node: INode = {
		id: 'node-1',
		name: 'Transak WebSocket Trigger',
		type: 'n8n-nodes-transak.transakWebSocketTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: params as INode['parameters'],
		credentials: { transakApi: { id: store.id, name: store.name } },
	};
	const log = (level: string) => (message: string) => sink.logs.push({ level, message });
	const staticData: IDataObject = {};
	const context = {
		emit: (data: Array<Array<{ json: IDataObject }>>) => {
			for (const item of data[0]) sink.emitted.push(item.json);
		},
		emitError: (error: Error) => {
			sink.errors.push(error);
		},
		saveFailedExecution: () => undefined,
		getNodeParameter: (name: string, fallback?: unknown) =>
			name in params ? params[name] : fallback,
		getCredentials: async () => store.decrypt(),
		getMode: () => opts.mode ?? 'trigger',
		getActivationMode: () => 'activate',
		getNode: () => node,
		getWorkflow: () => ({ id: 'wf-1', name: 'test', active: true }),
		getWorkflowStaticData: () => staticData,
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		// n8n's request helpers as n8n-context.js reproduces them: preAuthentication (token refresh),
		// the access-token header, NodeApiErrors whose cause carries the request headers.
		helpers: createRequestHelpers({ credentialType, store, node }),
	};
	return context as unknown as ITriggerFunctions;
}

/** Activates the trigger, as n8n does, and resolves once it is subscribed. */
export async function activate(opts: HarnessOptions, waitSubscribed = true): Promise<Harness> {
	const sink = { emitted: [] as IDataObject[], errors: [] as Error[], logs: [] as LogLine[] };
	const context = makeContext(opts, sink);
	const subscribed = waitSubscribed ? opts.server.next('subscribe') : undefined;
	const response = await new TransakWebSocketTrigger().trigger.call(context);
	await subscribed;
	return {
		context,
		...sink,
		response,
		close: async () => {
			await response.closeFunction?.();
		},
	};
}

export async function until(
	predicate: () => boolean,
	timeoutMs = 5000,
	what = 'condition',
): Promise<void> {
	const started = Date.now();
	while (!predicate()) {
		if (Date.now() - started > timeoutMs)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(5);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What pusher-js keeps globally: its instance list and the handlers on its network object. */
export function pusherGlobals(): { instances: number; online: number; offline: number } {
	const net = (
		PusherJs as unknown as {
			Runtime: { getNetwork(): { callbacks: { get(n: string): unknown[] | undefined } } };
		}
	).Runtime.getNetwork();
	return {
		instances: (PusherJs as unknown as { instances: unknown[] }).instances.length,
		online: net.callbacks.get('online')?.length ?? 0,
		offline: net.callbacks.get('offline')?.length ?? 0,
	};
}

/** A fresh order shaped like Transak's, with a unique id. */
export function newOrder(overrides: IDataObject = {}): IDataObject {
	const id = `order-${Math.random().toString(36).slice(2, 10)}`;
	return fixtures.sampleOrder({
		id,
		status: 'AWAITING_PAYMENT_FROM_USER',
		createdAt: new Date().toISOString(),
		updatedAt: new Date().toISOString(),
		completedAt: undefined,
		statusHistories: [],
		partnerOrderId: `p-${id}`,
		...overrides,
	});
}

/** The all-orders payload: a JWT of `{webhookData, eventID}` signed with the access token. */
export function signedOrder(eventID: string, order: object, key = ACCESS_TOKEN): string {
	return fixtures.sign(fixtures.orderClaims(eventID, order), key);
}
