/** Types for fake-api.js (plain CommonJS, shared by the tooling), for TypeScript tests. */

export interface FakeOrder {
	id: string;
	status: string;
	partnerOrderId: string;
	walletAddress: string;
	isBuyOrSell: 'BUY' | 'SELL' | string;
	createdAt: string;
	updatedAt?: string;
	[key: string]: unknown;
}

export interface FakeWebhookDelivery {
	id: string;
	partnerApiKey: string;
	createdAt: string;
	eventID: string;
	webhookData: unknown;
}

export interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	/** The `access-token` header as received. */
	accessToken?: string;
	/** The `api-secret` header as received. */
	apiSecret?: string;
	/** Names of every header received (lower case). */
	headerNames: string[];
	body?: unknown;
	at: number;
}

export interface FakeFailure {
	/** Path prefix or pattern; every path when omitted. */
	path?: string | RegExp;
	method?: string;
	status?: number;
	body?: unknown;
	times?: number;
	/** Drop the connection instead of answering. */
	destroy?: boolean;
	delayMs?: number;
	/** Only for requests whose token the fake accepts (e.g. the retry after a refresh). */
	authorized?: boolean;
	/** Put the request's access token into the error message, as a careless proxy might. */
	echoToken?: boolean;
}

export interface FakeTransakApiOptions {
	port?: number;
	host?: string;
	apiKey?: string;
	apiSecret?: string;
	/** The first valid access token (generated when omitted). */
	accessToken?: string;
	tokenFormat?: 'jwt' | 'opaque';
	orders?: Array<Partial<FakeOrder> & Record<string, unknown>>;
	webhooks?: Array<Record<string, unknown>>;
	/** Default true: a refresh invalidates the previous token. */
	refreshRotates?: boolean;
	latencyMs?: number;
	recordLimit?: number;
	/** Where Get Order and Get Orders answers put the order's ID: `id` (default) or `_id`, as Transak's do. */
	orderIdKey?: 'id' | '_id';
}

export interface FakeWidgetSession {
	sessionId: string;
	widgetParams: Record<string, unknown>;
	createdAt: number;
	/** Whether the widget URL has been opened (it opens once). */
	opened: boolean;
}

export interface FakeTransakApi {
	url: string;
	port: number;
	readonly apiKey: string;
	readonly apiSecret: string;
	/** The newest valid access token. */
	readonly accessToken: string;
	readonly validTokens: string[];
	readonly refreshCalls: number;
	readonly requests: RecordedRequest[];
	readonly orders: FakeOrder[];
	readonly webhooks: FakeWebhookDelivery[];
	/** Every Create Widget URL session, oldest first. */
	readonly widgetSessions: FakeWidgetSession[];
	/** Transak API credential data (environment custom) pointing at this fake. */
	credentials(overrides?: Record<string, unknown>): {
		environment: 'custom';
		baseUrl: string;
		apiKey: string;
		accessToken: string;
		apiSecret: string;
		previousAccessToken: string;
		[key: string]: unknown;
	};
	setAccessToken(token: string, options?: { keepPrevious?: boolean }): string;
	rotateAccessToken(options?: { keepPrevious?: boolean }): string;
	/** No token is accepted until the next refresh (or setAccessToken). */
	expireAccessToken(): void;
	/** A JWT whose exp has passed (not accepted). */
	expiredToken(): string;
	seedOrders(orders: Array<Record<string, unknown>>): FakeOrder[];
	addOrder(order: Record<string, unknown>): FakeOrder;
	updateOrder(id: string, patch: Record<string, unknown>): FakeOrder;
	addWebhook(entry: {
		eventID: string;
		order?: Record<string, unknown>;
		webhookData?: unknown;
		createdAt?: string;
		id?: string;
	}): FakeWebhookDelivery;
	seedWebhooks(entries: Array<Parameters<FakeTransakApi['addWebhook']>[0]>): FakeWebhookDelivery[];
	failNext(failure: FakeFailure): void;
	/** refresh-token answers this until failRefresh(null). */
	failRefresh(status: number | null, body?: unknown): void;
	/** Clears recorded requests, the refresh count and injected failures. */
	reset(): void;
	requestsTo(pathPrefix: string): RecordedRequest[];
	setLatency(ms: number): void;
	close(): Promise<void>;
}

export function startFakeTransakApi(options?: FakeTransakApiOptions): Promise<FakeTransakApi>;
export function makeOrder(index?: number, overrides?: Record<string, unknown>): FakeOrder;
export function makeOrders(count: number, overrides?: Record<string, unknown>): FakeOrder[];
export function errorBody(
	statusCode: number,
	message: string,
): { error: { statusCode: number; name: string; message: string } };
