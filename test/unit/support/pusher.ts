/**
 * Shared set-up for the WebSocket trigger tests: a Pusher-protocol server, the official `pusher`
 * SDK publishing to it, the real-HTTP fake of the Transak partner API, and the trigger activated
 * with the n8n context of ./n8n.ts (its httpRequestWithAuthentication performs real requests).
 */
import type PusherSdk from 'pusher';
import PusherJs from 'pusher-js';
import type {
	IDataObject,
	ITriggerFunctions,
	ITriggerResponse,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import { TransakWebSocketTrigger } from '../../../nodes/Transak/TransakWebSocketTrigger.node';
import { RECOVERY_TIMING } from '../../../nodes/Transak/pusher/catchUp';
import {
	startFakeTransakApi,
	type FakeOrder,
	type FakeTransakApi,
} from '../../../tools/transak/fake-api';
import { triggerContext, type CredentialStore, type LogLine } from './n8n';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPusherServer, publisherFor } = require('../../../tools/transak/pusher-server.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const fixtures = require('../../../tools/transak/fixtures.js');

export type { LogLine };

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
	closeAfterSubscribe(value?: { code: number; reason?: string; channel?: string }): void;
	sendRaw(text: string): number;
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

/** The official SDK, publishing to the test server over plain HTTP. */
export function publisher(server: PusherServer): PusherSdk {
	return publisherFor(server) as PusherSdk;
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

export interface Harness {
	context: ITriggerFunctions;
	emitted: IDataObject[];
	/** The deduplication key of each emit, in order. */
	keys: Array<string | undefined>;
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
	/** Other parameters of the node, e.g. personalData. */
	parameters?: IDataObject;
	credentials?: IDataObject;
	/** The stored credential, for tests that change it while the trigger runs. */
	store?: CredentialStore;
	/** Called on every credential read, to count them. */
	onGetCredentials?: () => void;
	apiBaseUrl?: string;
	mode?: WorkflowExecuteMode;
	/** The workflow the trigger belongs to (default wf-1). */
	workflowId?: string;
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

/** Open harnesses by (channel, server, options): a trigger joining one of them shares its subscription. */
const liveChannels = new Map<string, number>();

/** The Pusher channel a trigger with these options subscribes. */
export function channelOf(opts: HarnessOptions, apiKey: string): string {
	if (opts.channel === 'orderId') return opts.orderId ?? '';
	if (opts.channel === 'partnerOrderId') return `${apiKey}_${opts.partnerOrderId ?? ''}`;
	return apiKey;
}

/** Activates the trigger, as n8n does, and resolves once it is subscribed. */
export async function activate(opts: HarnessOptions, waitSubscribed = true): Promise<Harness> {
	const credentials = opts.credentials ?? credentialsFor(opts.apiBaseUrl);
	const { context, recorded } = triggerContext({
		credentials,
		store: opts.store,
		onGetCredentials: opts.onGetCredentials,
		mode: opts.mode ?? 'trigger',
		workflowId: opts.workflowId,
		parameters: {
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
			...opts.parameters,
		},
	});
	// Triggers on one API key and endpoint share the process's connection: a trigger that joins a
	// channel already subscribed is live at once, and the server sees no new subscription.
	const channel = channelOf(opts, String(credentials.apiKey ?? ''));
	// The connection options (recovery and the others do not separate triggers).
	const { appKey, cluster, wsHost, wsPort, forceTLS, activityTimeout, pongTimeout } =
		opts.options ?? {};
	const shareKey = JSON.stringify([
		String(credentials.apiKey ?? ''),
		channel,
		opts.server.port,
		[appKey, cluster, wsHost, wsPort, forceTLS, activityTimeout, pongTimeout],
	]);
	const joinsLive = (liveChannels.get(shareKey) ?? 0) > 0;
	const subscribed = waitSubscribed && !joinsLive ? opts.server.next('subscribe') : undefined;
	const response = await new TransakWebSocketTrigger().trigger.call(context);
	await subscribed;
	let closed = false;
	if (waitSubscribed) liveChannels.set(shareKey, (liveChannels.get(shareKey) ?? 0) + 1);
	else closed = true;
	return {
		context,
		emitted: recorded.emitted,
		keys: recorded.deduplicationKeys,
		errors: recorded.errors,
		logs: recorded.logs,
		response,
		close: async () => {
			if (!closed) {
				closed = true;
				liveChannels.set(shareKey, (liveChannels.get(shareKey) ?? 1) - 1);
			}
			await response.closeFunction?.();
		},
	};
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

export interface TriggerSuite {
	readonly server: PusherServer;
	readonly sdk: PusherSdk;
	/** The fake partner API (suites with `api: true`). */
	readonly api: FakeTransakApi;
	/** Activates a trigger against the suite's server (and API); it is closed after the test. */
	start(opts?: Omit<HarnessOptions, 'server'>, waitSubscribed?: boolean): Promise<Harness>;
	/** Publishes an order event on the all-orders channel, signed (with the access token by default). */
	publishSigned(eventID: string, order: object, key?: string): Promise<unknown>;
}

/**
 * Registers the hooks of a WebSocket trigger test file: one Pusher server (and, with `api`, one
 * fake partner API) for the file; after each test every trigger is closed, the server's settings
 * are reset and its connections are gone.
 */
export function triggerSuite({
	api: withApi = false,
	defaults = {},
}: { api?: boolean; defaults?: Omit<HarnessOptions, 'server'> } = {}): TriggerSuite {
	let server: PusherServer | undefined;
	let sdk: PusherSdk | undefined;
	let api: FakeTransakApi | undefined;
	const open: Harness[] = [];
	const required = <T>(value: T | undefined, what: string): T => {
		if (value === undefined) throw new Error(`${what} is only available inside tests`);
		return value;
	};

	beforeAll(async () => {
		server = await startServer();
		sdk = publisher(server);
		if (withApi) api = await startFakeApi();
	});
	beforeEach(() => {
		api?.reset();
		api?.seedOrders([]);
		api?.seedWebhooks([]);
	});
	afterEach(async () => {
		for (const harness of open.splice(0)) await harness.close();
		server?.refuseConnections(undefined);
		server?.setAnswerPings(true);
		server?.setActivityTimeout(120);
		await server?.waitForNoConnections();
	});
	afterAll(async () => {
		await server?.close();
		await api?.close();
	});

	return {
		get server() {
			return required(server, 'the Pusher server');
		},
		get sdk() {
			return required(sdk, 'the Pusher SDK');
		},
		get api() {
			return required(api, 'the fake Transak API');
		},
		async start(opts = {}, waitSubscribed = true) {
			const harness = await activate(
				{
					server: required(server, 'the Pusher server'),
					...(api ? { apiBaseUrl: api.url } : {}),
					...defaults,
					...opts,
				},
				waitSubscribed,
			);
			open.push(harness);
			return harness;
		},
		async publishSigned(eventID, order, key) {
			return await required(sdk, 'the Pusher SDK').trigger(
				API_KEY,
				eventID,
				signedOrder(eventID, order, key),
			);
		},
	};
}

/**
 * Shortens recovery's minimum interval (5 s in the product) for the suite that calls it, and
 * returns the interval used: a suite tests that later recoveries wait for it, not how long it is.
 */
export function shortRecoveryInterval(ms = 500): number {
	const productInterval = RECOVERY_TIMING.minIntervalMs;
	beforeAll(() => {
		RECOVERY_TIMING.minIntervalMs = ms;
	});
	afterAll(() => {
		RECOVERY_TIMING.minIntervalMs = productInterval;
	});
	return ms;
}
