'use strict';
/**
 * Just enough of n8n to run this package's nodes in tests, with real HTTP (fetch) on 127.0.0.1.
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
const { NodeApiError } = require('n8n-workflow');

class AxiosError extends Error {
	constructor(message, { status, statusText, data, headers, config, code }) {
		super(message);
		this.name = 'AxiosError';
		this.code = code;
		this.config = config;
		this.isAxiosError = true;
		if (status !== undefined) this.response = { status, statusText, data, headers, config };
	}
}

function resolveExpression(value, credentials) {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const text = value.slice(1);
	const whole = /^\{\{([\s\S]*)\}\}$/.exec(text.trim());
	if (whole) return new Function('$credentials', `return (${whole[1]});`)(credentials);
	return text.replace(/\{\{([\s\S]*?)\}\}/g, (_, expr) =>
		String(new Function('$credentials', `return (${expr});`)(credentials)),
	);
}

function isDisplayed(property, values) {
	const show = property.displayOptions && property.displayOptions.show;
	if (!show) return true;
	return Object.entries(show).every(([name, allowed]) => allowed.includes(values[name]));
}

/** The stored data of one credential, as n8n keeps it (encrypted, here plain). */
function createCredentialStore(
	credentialType,
	data,
	{ id = 'cred-1', name = 'Transak account' } = {},
) {
	const store = {
		id,
		name,
		type: credentialType.name,
		stored: { ...data },
		writes: 0,
		/** A fresh decrypted copy with defaults applied and hidden-by-displayOptions fields dropped. */
		decrypt() {
			const values = {};
			for (const property of credentialType.properties) {
				const value = store.stored[property.name];
				values[property.name] = value === undefined ? property.default : value;
			}
			for (const property of credentialType.properties) {
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

function buildUrl(options) {
	const base = options.baseURL ? String(options.baseURL).replace(/\/+$/, '') : '';
	const url = new URL(base + options.url);
	for (const [key, value] of Object.entries(options.qs || {})) {
		if (value === undefined) continue;
		url.searchParams.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
	}
	return url;
}

/** n8n's helpers.httpRequest, on fetch. `log` receives every request (method, url, headers). */
function createHttpRequest(log = []) {
	return async function httpRequest(options) {
		const url = buildUrl(options);
		const headers = { ...(options.headers || {}) };
		let body;
		if (options.body !== undefined && options.body !== null) {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
				headers['content-type'] = 'application/json';
		}
		const method = (options.method || 'GET').toUpperCase();
		log.push({ method, url: url.toString(), headers });
		let response;
		try {
			response = await fetch(url, {
				method,
				headers,
				body,
				signal: AbortSignal.timeout(options.timeout || 10_000),
			});
		} catch (error) {
			const code = (error.cause && error.cause.code) || 'ECONNREFUSED';
			throw new AxiosError(`connect ${code}`, {
				code,
				config: { url: url.toString(), method, headers },
			});
		}
		const text = await response.text();
		let data = text;
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
				config: { url: url.toString(), method, headers },
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

async function applyAuthentication(credentialType, credentials, requestOptions) {
	const { authenticate } = credentialType;
	if (typeof authenticate === 'function')
		return await authenticate.call(credentialType, credentials, requestOptions);
	if (authenticate && authenticate.type === 'generic') {
		const options = { ...requestOptions };
		for (const [outer, entries] of Object.entries(authenticate.properties)) {
			options[outer] = { ...(options[outer] || {}) };
			for (const [key, value] of Object.entries(entries))
				options[outer][key] = String(resolveExpression(value, credentials) ?? '');
		}
		return options;
	}
	return requestOptions;
}

/**
 * Request helpers bound to one node and one stored credential.
 * `node.credentials` must name the credential for preAuthentication output to be persisted.
 */
function createRequestHelpers({
	credentialType,
	store,
	node,
	log = [],
	isCredentialTest = false,
	n8nMajor = 2,
}) {
	const httpRequest = createHttpRequest(log);
	const wrap = (error) => {
		const wrapped = new NodeApiError(node, error);
		if (n8nMajor === 1 && wrapped !== error) wrapped.cause = undefined;
		return wrapped;
	};
	const expirable = credentialType.properties.find(
		(p) => p.type === 'hidden' && p.typeOptions && p.typeOptions.expirable === true,
	);
	const counters = { preAuthentication: 0 };

	async function preAuthentication(credentials, expired) {
		if (!expirable || typeof credentialType.preAuthentication !== 'function') return undefined;
		if (!(credentials[expirable.name] === '' || expired || isCredentialTest)) return undefined;
		counters.preAuthentication += 1;
		const output = await credentialType.preAuthentication.call(
			{ helpers: { httpRequest } },
			credentials,
		);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			store.update({ ...store.stored, ...output });
			return Object.assign(credentials, output);
		}
		return undefined;
	}

	async function httpRequestWithAuthentication(typeName, requestOptions, additional) {
		if (typeName !== credentialType.name) throw new Error(`unexpected credential type ${typeName}`);
		let credentials;
		let options = { ...requestOptions };
		try {
			credentials =
				additional && additional.credentialsDecrypted
					? additional.credentialsDecrypted.data
					: store.decrypt();
			const data = await preAuthentication(credentials, false);
			if (data) Object.assign(credentials, data);
			options = await applyAuthentication(credentialType, credentials, options);
			return await httpRequest(options);
		} catch (error) {
			if (error.response && error.response.status === 401 && credentials !== undefined) {
				try {
					const data = await preAuthentication(credentials, true);
					if (data) Object.assign(credentials, data);
					options = await applyAuthentication(credentialType, credentials, options);
					return await httpRequest(options);
				} catch (retryError) {
					throw wrap(retryError);
				}
			}
			throw wrap(error);
		}
	}

	return { httpRequest, httpRequestWithAuthentication, preAuthentication, counters, log };
}

/**
 * n8n's credential test for a credential type with a `test.request`: the request runs through
 * httpRequestWithAuthentication with the given (unsaved or saved) data, and the answer is
 * {status: 'OK'} or {status: 'Error', message} the way n8n words it.
 * `preAuthOnTest`: n8n's CredentialsHelper also runs preAuthentication for every credential test
 * when the test node looks like its mock (`parameters.temp === ''`); in 1.123.81 and 2.41.1 the
 * mock node's parameters stay `{}`, so it does not (checked against both), hence the default.
 */
async function testCredential(
	credentialType,
	store,
	{ log = [], n8nMajor = 2, data: sent, preAuthOnTest = false } = {},
) {
	const node = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [0, 0],
		parameters: { temp: '' },
		credentials: { [credentialType.name]: { id: store.id, name: store.name } },
	};
	const helpers = createRequestHelpers({
		credentialType,
		store,
		node,
		log,
		isCredentialTest: preAuthOnTest,
		n8nMajor,
	});
	// `data`: what the caller sent (n8n's REST test may pass fields as sent, without defaults).
	const data = sent !== undefined ? { ...sent } : store.decrypt();
	const request = credentialType.test.request;
	const options = {
		method: request.method || 'GET',
		baseURL: resolveExpression(request.baseURL, data),
		url: resolveExpression(request.url, data),
		qs: request.qs,
		json: true,
	};
	try {
		await helpers.httpRequestWithAuthentication(credentialType.name, options, {
			credentialsDecrypted: { id: store.id, name: store.name, type: credentialType.name, data },
		});
		return { status: 'OK', message: 'Connection successful!', helpers };
	} catch (error) {
		const cause = error.cause;
		if (cause && cause.response) {
			return {
				status: 'Error',
				message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
				helpers,
			};
		}
		if (cause && cause.code) return { status: 'Error', message: cause.code, helpers };
		return { status: 'Error', message: error.message, helpers };
	}
}

/**
 * A mocked IExecuteFunctions. `parameters`: name -> value, or name -> (itemIndex) => value.
 */
function createExecuteFunctions({
	credentialType,
	store,
	parameters = {},
	items = [{ json: {} }],
	continueOnFail = false,
	node: nodeOverrides = {},
	log = [],
	n8nMajor = 2,
}) {
	const node = {
		id: 'node-1',
		name: 'Transak',
		type: 'n8n-nodes-transak.transak',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: credentialType
			? { [credentialType.name]: { id: store.id, name: store.name } }
			: undefined,
		...nodeOverrides,
	};
	const helpers = credentialType
		? createRequestHelpers({ credentialType, store, node, log, n8nMajor })
		: { log };
	const context = {
		getInputData: () => items,
		getNode: () => node,
		continueOnFail: () => continueOnFail,
		getNodeParameter(name, itemIndex, fallback) {
			if (!(name in parameters)) {
				if (arguments.length >= 3) return fallback;
				throw new Error(`Could not get parameter "${name}"`);
			}
			const value = parameters[name];
			return typeof value === 'function' ? value(itemIndex, items[itemIndex]) : value;
		},
		async getCredentials(type) {
			if (!credentialType || type !== credentialType.name)
				throw new Error(`no credential of type ${type}`);
			return store.decrypt();
		},
		helpers,
		logger: { debug() {}, info() {}, warn() {}, error() {} },
	};
	return context;
}

module.exports = {
	AxiosError,
	resolveExpression,
	createCredentialStore,
	createHttpRequest,
	createRequestHelpers,
	testCredential,
	createExecuteFunctions,
};
