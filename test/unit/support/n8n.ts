/**
 * Just enough of n8n to run this package's nodes in tests: one context for every kind of node
 * function (execute, webhook, trigger), with real HTTP (fetch) on 127.0.0.1 for API calls.
 *
 * The request helpers follow what n8n 1.123 (n8n-core 1.122) and 2.41 do, read from their sources:
 * - httpRequestWithAuthentication: load the credential (fresh copy, defaults applied), run the
 *   credential's preAuthentication when its hidden `expirable` field is empty (or when testing the
 *   credential), apply `authenticate`, send; on a 401 run preAuthentication again as "expired",
 *   re-authenticate and retry once; every error leaves wrapped in a NodeApiError.
 * - preAuthentication output that carries the expirable field is persisted to the stored
 *   credential (`store.writes` counts the writes) and merged into the in-flight copy.
 * - httpRequest throws axios-shaped errors (`response.status/data`, and `config.headers`, which
 *   carry the token, as axios's do) unless `ignoreHttpStatusErrors`.
 * - `n8nMajor: 1` reproduces n8n 1.x's NodeApiError, which loses the wrapped error (`cause` is
 *   undefined: a class field resets it) and keeps only its message, description and status.
 */
import { EventEmitter } from 'events';
import { inspect } from 'util';

import {
	NodeApiError,
	NodeHelpers,
	NodeOperationError,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
	type INode,
	type INodeExecutionData,
	type INodeOutputConfiguration,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type ITriggerFunctions,
	type IWebhookFunctions,
	type JsonObject,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import { Transak } from '../../../nodes/Transak/Transak.node';
import { TransakStatusRouter } from '../../../nodes/Transak/TransakStatusRouter.node';
import { TransakTrigger } from '../../../nodes/Transak/TransakTrigger.node';
import { TransakWebSocketTrigger } from '../../../nodes/Transak/TransakWebSocketTrigger.node';

export const credentialType = new TransakApi();

/** Which n8n's error wrapping the request helpers reproduce. */
export type N8nMajor = 1 | 2;

// ---------------------------------------------------------------------------------------------
// Credentials

export class AxiosError extends Error {
	code?: string;
	config?: IDataObject;
	isAxiosError = true;
	response?: IDataObject;

	constructor(
		message: string,
		options: {
			status?: number;
			statusText?: string;
			data?: unknown;
			headers?: IDataObject;
			config?: IDataObject;
			code?: string;
		},
	) {
		super(message);
		this.name = 'AxiosError';
		this.code = options.code;
		this.config = options.config;
		const { status, statusText, data, headers, config } = options;
		if (status !== undefined) {
			this.response = { status, statusText, data, headers, config } as IDataObject;
		}
	}
}

/** Evaluates a credential expression (`={{ ... }}`) the way n8n does, with `$credentials` only. */
export function resolveExpression(value: unknown, credentials: IDataObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const text = value.slice(1);
	const evaluate = (expr: string) =>
		// eslint-disable-next-line @typescript-eslint/no-implied-eval
		new Function('$credentials', `return (${expr});`)(credentials) as unknown;
	const whole = /^\{\{([\s\S]*)\}\}$/.exec(text.trim());
	if (whole) return evaluate(whole[1]);
	return text.replace(/\{\{([\s\S]*?)\}\}/g, (_, expr: string) => String(evaluate(expr)));
}

function isDisplayed(property: INodeProperties, values: IDataObject): boolean {
	const show = property.displayOptions?.show;
	if (!show) return true;
	return Object.entries(show).every(([name, allowed]) =>
		(allowed as unknown[]).includes(values[name]),
	);
}

/** The stored data of one credential, as n8n keeps it (encrypted, here plain). */
export interface CredentialStore {
	id: string;
	name: string;
	type: string;
	stored: IDataObject;
	writes: number;
	/** A fresh decrypted copy with defaults applied and hidden-by-displayOptions fields dropped. */
	decrypt(): IDataObject;
	update(next: IDataObject): void;
}

export function createCredentialStore(
	type: ICredentialType,
	data: IDataObject,
	{ id = 'cred-1', name = 'Transak account' } = {},
): CredentialStore {
	const store: CredentialStore = {
		id,
		name,
		type: type.name,
		stored: { ...data },
		writes: 0,
		decrypt() {
			const values: IDataObject = {};
			for (const property of type.properties) {
				const value = store.stored[property.name];
				values[property.name] = value === undefined ? (property.default as IDataObject) : value;
			}
			for (const property of type.properties) {
				if (!isDisplayed(property, values)) delete values[property.name];
			}
			return values;
		},
		update(next) {
			store.stored = { ...next };
			store.writes += 1;
		},
	};
	return store;
}

// ---------------------------------------------------------------------------------------------
// Request helpers

export interface RequestLogEntry {
	method: string;
	url: string;
	headers: IDataObject;
}

function buildUrl(options: IHttpRequestOptions): URL {
	const base = options.baseURL ? String(options.baseURL).replace(/\/+$/, '') : '';
	const url = new URL(base + options.url);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value === undefined) continue;
		url.searchParams.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
	}
	return url;
}

type HttpRequest = (options: IHttpRequestOptions) => Promise<unknown>;

/** n8n's helpers.httpRequest, on fetch. `log` receives every request (method, url, headers). */
const UNDICI_CODES = new Map([
	['UND_ERR_SOCKET', 'ECONNRESET'],
	['UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'],
]);

export function createHttpRequest(log: RequestLogEntry[] = []): HttpRequest {
	return async function httpRequest(options) {
		const url = buildUrl(options);
		const headers = { ...(options.headers ?? {}) } as Record<string, string>;
		let body: string | undefined;
		if (options.body !== undefined && options.body !== null) {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
				headers['content-type'] = 'application/json';
		}
		const method = (options.method ?? 'GET').toUpperCase();
		log.push({ method, url: url.toString(), headers });
		const config = { url: url.toString(), method, headers };
		let response: Response;
		try {
			response = await fetch(url, {
				method,
				headers,
				body,
				signal: AbortSignal.timeout(options.timeout ?? 10_000),
			});
		} catch (error) {
			const cause = (error as { cause?: { code?: string } }).cause?.code ?? 'ECONNREFUSED';
			// n8n's client is axios on Node's http: undici's codes as Node names the same failures.
			const code = UNDICI_CODES.get(cause) ?? cause;
			throw new AxiosError(`connect ${code}`, { code, config });
		}
		const text = await response.text();
		let data: unknown = text;
		if (options.json !== false) {
			try {
				data = text.length > 0 ? JSON.parse(text) : '';
			} catch {
				data = text;
			}
		}
		const responseHeaders = Object.fromEntries(response.headers);
		if (response.status >= 400 && !options.ignoreHttpStatusErrors) {
			throw new AxiosError(`Request failed with status code ${response.status}`, {
				status: response.status,
				statusText: response.statusText,
				data,
				headers: responseHeaders,
				config,
				code: response.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
			});
		}
		if (options.returnFullResponse) {
			return {
				body: data,
				headers: responseHeaders,
				statusCode: response.status,
				statusMessage: response.statusText,
			};
		}
		return data;
	};
}

async function applyAuthentication(
	type: ICredentialType,
	credentials: IDataObject,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const { authenticate } = type;
	if (typeof authenticate === 'function') {
		return await authenticate.call(
			type,
			credentials as ICredentialDataDecryptedObject,
			requestOptions,
		);
	}
	if (authenticate?.type === 'generic') {
		const options = { ...requestOptions } as unknown as Record<string, IDataObject>;
		for (const [outer, entries] of Object.entries(authenticate.properties)) {
			options[outer] = { ...(options[outer] ?? {}) };
			for (const [key, value] of Object.entries(entries as IDataObject))
				options[outer][key] = String(resolveExpression(value, credentials) ?? '');
		}
		return options as unknown as IHttpRequestOptions;
	}
	return requestOptions;
}

export interface RequestHelpers {
	httpRequest: HttpRequest;
	httpRequestWithAuthentication(
		typeName: string,
		requestOptions: IHttpRequestOptions,
		additional?: { credentialsDecrypted?: { data: IDataObject } },
	): Promise<unknown>;
	log: RequestLogEntry[];
}

/**
 * Request helpers bound to one node and one stored credential.
 * `node.credentials` must name the credential for preAuthentication output to be persisted.
 */
export function createRequestHelpers({
	type,
	store,
	node,
	log = [],
	n8nMajor = 2,
}: {
	type: ICredentialType;
	store: CredentialStore;
	node: INode;
	log?: RequestLogEntry[];
	n8nMajor?: N8nMajor;
}): RequestHelpers {
	const httpRequest = createHttpRequest(log);
	const wrap = (error: unknown) => {
		const wrapped = new NodeApiError(node, error as JsonObject);
		if (n8nMajor === 1 && wrapped !== error) wrapped.cause = undefined;
		return wrapped;
	};
	const expirable = type.properties.find(
		(p) => p.type === 'hidden' && p.typeOptions?.expirable === true,
	);

	async function preAuthentication(credentials: IDataObject, expired: boolean) {
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (!(credentials[expirable.name] === '' || expired)) return undefined;
		const output = await type.preAuthentication.call(
			{ helpers: { httpRequest } } as never,
			credentials as ICredentialDataDecryptedObject,
		);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			store.update({ ...store.stored, ...output });
			return Object.assign(credentials, output);
		}
		return undefined;
	}

	async function httpRequestWithAuthentication(
		typeName: string,
		requestOptions: IHttpRequestOptions,
		additional?: { credentialsDecrypted?: { data: IDataObject } },
	): Promise<unknown> {
		if (typeName !== type.name) throw new Error(`unexpected credential type ${typeName}`);
		let credentials: IDataObject | undefined;
		let options = { ...requestOptions };
		try {
			credentials = additional?.credentialsDecrypted?.data ?? store.decrypt();
			await preAuthentication(credentials, false);
			options = await applyAuthentication(type, credentials, options);
			return await httpRequest(options);
		} catch (error) {
			if ((error as AxiosError).response?.status === 401 && credentials !== undefined) {
				try {
					await preAuthentication(credentials, true);
					options = await applyAuthentication(type, credentials, options);
					return await httpRequest(options);
				} catch (retryError) {
					throw wrap(retryError);
				}
			}
			throw wrap(error);
		}
	}

	return { httpRequest, httpRequestWithAuthentication, log };
}

/** A node of a workflow: the Transak node unless told otherwise. */
export function nodeOf(overrides: Partial<INode> = {}): INode {
	return {
		id: 'node-1',
		name: 'Transak',
		type: 'n8n-nodes-transak.transak',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		...overrides,
	};
}

/** n8n's mock node for credential tests. */
const TEST_NODE = nodeOf({
	id: 'temp',
	name: 'Temp-Node',
	type: 'n8n-nodes-base.noOp',
	parameters: { temp: '' },
});

/**
 * n8n's credential test for a credential type with a `test.request`: the request runs through
 * httpRequestWithAuthentication with the given (unsaved or saved) data, and the answer is
 * {status: 'OK'} or {status: 'Error', message} the way n8n words it.
 * n8n's CredentialsHelper would also run preAuthentication for every credential test when the test
 * node looks like its mock (`parameters.temp === ''`); in 1.123.81 and 2.41.1 the mock node's
 * parameters stay `{}`, so it does not (checked against both): neither does this.
 */
export async function testCredential(
	type: ICredentialType,
	store: CredentialStore,
	{
		log = [],
		n8nMajor = 2,
		data: sent,
	}: { log?: RequestLogEntry[]; n8nMajor?: N8nMajor; data?: object } = {},
): Promise<{ status: string; message: string; helpers: RequestHelpers }> {
	const node = { ...TEST_NODE, credentials: { [type.name]: { id: store.id, name: store.name } } };
	const helpers = createRequestHelpers({
		type,
		store,
		node,
		log,
		n8nMajor,
	});
	// `data`: what the caller sent (n8n's REST test may pass fields as sent, without defaults).
	const data: IDataObject = sent !== undefined ? { ...(sent as IDataObject) } : store.decrypt();
	const request = type.test!.request;
	const options: IHttpRequestOptions = {
		method: request.method ?? 'GET',
		baseURL: resolveExpression(request.baseURL, data) as string,
		url: resolveExpression(request.url, data) as string,
		qs: request.qs,
		headers: request.headers,
		json: true,
	};
	try {
		await helpers.httpRequestWithAuthentication(type.name, options, {
			credentialsDecrypted: { data },
		});
		return { status: 'OK', message: 'Connection successful!', helpers };
	} catch (error) {
		const cause = (error as { cause?: AxiosError }).cause;
		if (cause?.response) {
			const response = cause.response as { statusText?: string; status?: number };
			return {
				status: 'Error',
				message: response.statusText || `Received HTTP status code: ${response.status}`,
				helpers,
			};
		}
		if (cause?.code) return { status: 'Error', message: cause.code, helpers };
		return { status: 'Error', message: (error as Error).message, helpers };
	}
}

// ---------------------------------------------------------------------------------------------
// Node contexts

/** An express-like response that records the node's own answer; `n8nAnswers` plays n8n's. */
export class FakeResponse extends EventEmitter {
	statusCode = 200;
	headersSent = false;
	body: unknown;

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	json(value: unknown): this {
		this.body = value;
		return this;
	}

	send(value: unknown): this {
		this.body = value;
		return this;
	}

	end(): this {
		this.headersSent = true;
		this.emit('finish');
		this.emit('close');
		return this;
	}

	/** What n8n does after webhook() returned workflowData: answer once the execution is queued. */
	n8nAnswers(status: number): void {
		this.statusCode = status;
		this.end();
	}
}

export interface LogLine {
	level: string;
	message: string;
}

/** A parameter value, or a function of the item (execute) giving it. */
type ParameterValue = unknown | ((itemIndex: number, item: INodeExecutionData) => unknown);

export interface ContextOptions {
	node?: Partial<INode>;
	parameters?: Record<string, ParameterValue>;
	/** The stored credential; one with `credentials` as its data when not given. */
	store?: CredentialStore;
	credentials?: IDataObject;
	/** Called on every credential read, to count them. */
	onGetCredentials?: () => void;
	n8nMajor?: N8nMajor;
	mode?: WorkflowExecuteMode;
	workflowId?: string;
	/** Execute functions. */
	items?: Array<INodeExecutionData | IDataObject>;
	continueOnFail?: boolean;
	/** Webhook functions: the request n8n received, and the response object it hands the node. */
	body?: unknown;
	rawBody?: Buffer;
	response?: FakeResponse;
}

/** What a node did through its context. */
export interface Recorded {
	logs: LogLine[];
	/** Items a trigger emitted, and the errors it reported. */
	emitted: IDataObject[];
	/** The deduplication key passed with each emit (n8n 2.41's fourth argument). */
	deduplicationKeys: Array<string | undefined>;
	errors: Error[];
	/** Every HTTP request the node made. */
	requests: RequestLogEntry[];
	response: FakeResponse;
}

/** The package's node descriptions by node type, for the parameter defaults n8n applies. */
/** A fresh instance of each of the package's nodes, in the order the contract lists them. */
export const packageNodes = (): INodeType[] => [
	new Transak(),
	new TransakTrigger(),
	new TransakWebSocketTrigger(),
	new TransakStatusRouter(),
];

const DESCRIPTIONS: ReadonlyMap<string, INodeTypeDescription> = new Map(
	packageNodes().map((nodeType) => [
		`n8n-nodes-transak.${nodeType.description.name}`,
		nodeType.description,
	]),
);

/**
 * A node's outputs as n8n computes them (NodeHelpers.getNodeOutputs, which evaluates an outputs
 * expression with the node's version and parameters), as `[type, display name]`.
 */
export function n8nOutputs(nodeType: INodeType, node: INode): Array<[string, string | undefined]> {
	const nodeTypes: INodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const outputs = NodeHelpers.getNodeOutputs(workflow, node, nodeType.description);
	return (outputs as Array<INodeOutputConfiguration | string>).map((output) =>
		typeof output === 'string' ? [output, undefined] : [output.type, output.displayName],
	);
}

/**
 * The node's parameters as n8n hands them to the node: the given ones, and the defaults of every
 * other parameter that shows (n8n's own NodeHelpers.getNodeParameters, as n8n runs it). Defaults
 * that are expressions are left out (this emulation evaluates none: tests give such values), and
 * values given as functions of the item are kept as they are.
 */
function withDefaults(
	node: INode,
	parameters: Record<string, ParameterValue>,
): Record<string, ParameterValue> {
	const description = DESCRIPTIONS.get(node.type);
	if (description === undefined) return parameters;
	const plain: INodeParameters = {};
	for (const [name, value] of Object.entries(parameters))
		if (typeof value !== 'function') plain[name] = value as INodeParameters[string];
	const resolved =
		NodeHelpers.getNodeParameters(description.properties, plain, true, false, node, description) ??
		{};
	const out: Record<string, ParameterValue> = {};
	for (const [name, value] of Object.entries(resolved)) {
		if (typeof value === 'string' && value.startsWith('=')) continue;
		out[name] = value;
	}
	return { ...out, ...parameters };
}

const toItem = (item: INodeExecutionData | IDataObject): INodeExecutionData =>
	'json' in item && typeof item.json === 'object' ? (item as INodeExecutionData) : { json: item };

/**
 * One n8n context for every node function. `getNodeParameter` takes an item index for execute
 * functions only, as n8n's does.
 */
function nodeContext(kind: 'execute' | 'webhook' | 'trigger', options: ContextOptions) {
	const store = options.store ?? createCredentialStore(credentialType, options.credentials ?? {});
	const given = options.parameters ?? {};
	const items = (options.items ?? [{ json: {} }]).map(toItem);
	const node = nodeOf({
		parameters: given as INode['parameters'],
		credentials: { [credentialType.name]: { id: store.id, name: store.name } },
		...options.node,
	});
	const parameters = withDefaults(node, given);
	const recorded: Recorded = {
		logs: [],
		emitted: [],
		deduplicationKeys: [],
		errors: [],
		requests: [],
		response: options.response ?? new FakeResponse(),
	};
	const log = (level: string) => (message: string) => recorded.logs.push({ level, message });
	const staticData: IDataObject = {};
	function parameter(name: string, itemIndex: number, fallback: unknown, hasFallback: boolean) {
		if (!(name in parameters)) {
			if (hasFallback) return fallback;
			throw new Error(`Could not get parameter "${name}"`);
		}
		const value = parameters[name];
		return typeof value === 'function' ? value(itemIndex, items[itemIndex]) : value;
	}
	const context = {
		getNode: () => node,
		getWorkflow: () => ({ id: options.workflowId ?? 'wf-1', name: 'test', active: true }),
		getWorkflowStaticData: () => staticData,
		getMode: () => options.mode ?? (kind === 'execute' ? 'manual' : kind),
		getActivationMode: () => 'activate',
		getNodeParameter:
			kind === 'execute'
				? (...args: [string, number, unknown?]) =>
						parameter(args[0], args[1], args[2], args.length >= 3)
				: (...args: [string, unknown?]) => parameter(args[0], 0, args[1], args.length >= 2),
		async getCredentials(type: string) {
			options.onGetCredentials?.();
			if (type !== credentialType.name) throw new Error(`no credential of type ${type}`);
			return store.decrypt();
		},
		helpers: createRequestHelpers({
			type: credentialType,
			store,
			node,
			log: recorded.requests,
			n8nMajor: options.n8nMajor,
		}),
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		// execute
		getInputData: () => items,
		continueOnFail: () => options.continueOnFail ?? false,
		// trigger
		emit: (data: INodeExecutionData[][], _r?: unknown, _d?: unknown, deduplicationKey?: string) => {
			for (const item of data[0]) recorded.emitted.push(item.json);
			recorded.deduplicationKeys.push(deduplicationKey);
		},
		emitError: (error: Error) => recorded.errors.push(error),
		saveFailedExecution: () => undefined,
		// webhook
		getBodyData: () => options.body,
		getRequestObject: () => ({ body: options.body, rawBody: options.rawBody, headers: {} }),
		getResponseObject: () => recorded.response,
		getHeaderData: () => ({}),
	};
	return { context, recorded, store };
}

export function executeContext(options: ContextOptions = {}) {
	const { context, ...rest } = nodeContext('execute', options);
	return {
		context: context as unknown as IExecuteFunctions & { helpers: RequestHelpers },
		...rest,
	};
}

/**
 * A loadOptions context: as n8n's, `getCurrentNodeParameter` reads the node's current parameters,
 * a dot path reaching into collections (`widgetParams.fiatCurrency`).
 */
export function loadOptionsContext(options: ContextOptions = {}) {
	const { context, ...rest } = nodeContext('execute', options);
	const parameters = options.parameters ?? {};
	const getCurrentNodeParameter = (path: string) =>
		path
			.split('.')
			.reduce<unknown>(
				(value, key) =>
					typeof value === 'object' && value !== null ? (value as IDataObject)[key] : undefined,
				parameters,
			);
	return {
		context: { ...context, getCurrentNodeParameter } as unknown as ILoadOptionsFunctions,
		...rest,
	};
}

export function webhookContext(options: ContextOptions = {}) {
	const { context, ...rest } = nodeContext('webhook', {
		node: { name: 'Transak Trigger', type: 'n8n-nodes-transak.transakTrigger' },
		...options,
	});
	return { context: context as unknown as IWebhookFunctions, ...rest };
}

export function triggerContext(options: ContextOptions = {}) {
	const { context, ...rest } = nodeContext('trigger', {
		node: { name: 'Transak WebSocket Trigger', type: 'n8n-nodes-transak.transakWebSocketTrigger' },
		...options,
	});
	return { context: context as unknown as ITriggerFunctions, ...rest };
}

// ---------------------------------------------------------------------------------------------
// Errors

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

/** Expects a NodeOperationError with exactly `message`, for item `itemIndex`. */
export async function expectParameterError(
	promise: Promise<unknown>,
	message: string,
	itemIndex = 0,
): Promise<void> {
	const error = await caught(promise);
	expect(error).toBeInstanceOf(NodeOperationError);
	expect(error.message).toBe(message);
	expect((error.context as IDataObject).itemIndex).toBe(itemIndex);
}
