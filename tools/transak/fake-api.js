'use strict';
/**
 * A fake Transak partner API on 127.0.0.1 for unit tests, e2e tests, benches and the dev sandbox.
 *
 * Endpoints (as documented by Transak, see /work/shared/notes/transak.md):
 *   POST /partners/api/v2/refresh-token   headers api-secret, body {apiKey} -> {data:{accessToken, expiresAt}}
 *   GET  /partners/api/v2/order/:orderId  -> {meta:{orderId}, data:order} | 400 "Order not found"
 *   GET  /partners/api/v2/orders          limit, skip, startDate, endDate, filter[...] -> {meta, data}
 *   GET  /partners/api/v2/webhooks        eventID, orderID -> {data:[{id, partnerApiKey, createdAt, eventID, webhookData}]}
 *   the on-ramp endpoints (price, currency lists, Create Widget URL): see fake-ramp.js
 * Every partner endpoint takes the `access-token` header; a token the fake does not currently
 * accept (replaced by a refresh, or a JWT whose `exp` has passed) gets
 * 401 {error:{statusCode:401, name:'UnauthorizedError', message:'Authorization Required'}}.
 *
 * In-process control: the handle returned by startFakeTransakApi(). From another process (the CLI):
 * the same controls under /__fake/ (see CONTROL_ROUTES below), without authentication: it only
 * listens on 127.0.0.1.
 */
const crypto = require('crypto');
const http = require('http');
const jwt = require('jsonwebtoken');

const { rampRoutes } = require('./fake-ramp');
const { sampleOrder, ORDER_LIFECYCLE } = require('./fixtures');

const TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;
const MAX_BODY_BYTES = 1024 * 1024;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const PARTNER = '/partners/api/v2';
/** State the handle shows read-only (`accessToken`: the newest valid one). */
const STATE_VIEWS = [
	'apiKey',
	'apiSecret',
	'accessToken',
	'refreshCalls',
	'requests',
	'orders',
	'webhooks',
];

function errorBody(statusCode, message) {
	const names = {
		400: 'BadRequestError',
		401: 'UnauthorizedError',
		404: 'NotFoundError',
		500: 'InternalServerError',
	};
	return { error: { statusCode, name: names[statusCode] || 'Error', message } };
}

/** A deterministic-looking order built from the seed's COMPLETED sample. */
function makeOrder(index = 0, overrides = {}) {
	const base = sampleOrder();
	const created = new Date(Date.UTC(2024, 0, 1) + index * 6 * 60 * 60 * 1000).toISOString();
	return {
		...base,
		id: crypto.randomUUID(),
		partnerOrderId: `partner-order-${index}`,
		walletAddress: `0x${String(index).padStart(40, '0')}`,
		createdAt: created,
		updatedAt: created,
		isBuyOrSell: index % 2 === 0 ? 'BUY' : 'SELL',
		status: 'COMPLETED',
		...overrides,
	};
}

/** `count` orders cycling through every documented status, alternating buy and sell. */
function makeOrders(count, overrides = {}) {
	const statuses = [
		...new Set([...ORDER_LIFECYCLE.BUY, ...ORDER_LIFECYCLE.SELL].map(([, s]) => s)),
	];
	return Array.from({ length: count }, (_, i) =>
		makeOrder(i, { status: statuses[i % statuses.length], ...overrides }),
	);
}

function parseFlag(argv, name, fallback) {
	const i = argv.indexOf(`--${name}`);
	return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

/**
 * Starts the fake API. Options:
 *   port (0 = random), host ('127.0.0.1'), apiKey, apiSecret, accessToken (the first valid token;
 *   generated when omitted), tokenFormat ('jwt' | 'opaque'), orders (seed), webhooks (seed),
 *   refreshRotates (true: a refresh invalidates the previous token, as Transak's docs warn),
 *   latencyMs (added to every answer), orderIdKey ('id', or '_id' as Transak's Get Order and Get
 *   Orders answers name the order's ID).
 */
async function startFakeTransakApi(options = {}) {
	const state = {
		apiKey: options.apiKey || 'fake-api-key',
		apiSecret: options.apiSecret || 'fake-api-secret-0123456789',
		tokenFormat: options.tokenFormat || 'jwt',
		refreshRotates: options.refreshRotates !== false,
		latencyMs: options.latencyMs || 0,
		validTokens: new Set(),
		accessToken: '',
		orders: [],
		webhooks: [],
		refreshCalls: 0,
		requests: [],
		failures: [],
		refreshFailure: null,
		recordLimit: options.recordLimit || 10_000,
		orderIdKey: options.orderIdKey || 'id',
	};

	function issueToken({ expired = false } = {}) {
		const now = Math.floor(Date.now() / 1000);
		const exp = expired ? now - 60 : now + TOKEN_TTL_SECONDS;
		if (state.tokenFormat === 'opaque')
			return { token: `fake_${crypto.randomBytes(24).toString('hex')}`, exp };
		const token = jwt.sign(
			{
				API_KEY: state.apiKey,
				iat: expired ? exp - TOKEN_TTL_SECONDS : now,
				exp,
				jti: crypto.randomUUID(),
			},
			state.apiSecret,
			{
				algorithm: 'HS256',
			},
		);
		return { token, exp };
	}

	/** Makes `token` the one valid token (or one more valid token with keepPrevious). */
	function setAccessToken(token, { keepPrevious = false } = {}) {
		if (!keepPrevious) state.validTokens.clear();
		state.validTokens.add(token);
		state.accessToken = token;
		return token;
	}

	function rotateAccessToken(opts) {
		return setAccessToken(issueToken().token, opts);
	}

	/** No token is accepted until the next refresh (or setAccessToken). */
	function expireAccessToken() {
		state.validTokens.clear();
	}

	/** A JWT whose `exp` has passed, which the fake does not accept. */
	function expiredToken() {
		return issueToken({ expired: true }).token;
	}

	function seedOrders(orders) {
		state.orders = orders.map((o) => structuredClone(o));
		return state.orders;
	}

	function addOrder(order) {
		const copy = structuredClone(order);
		state.orders = state.orders.filter((o) => o.id !== copy.id);
		state.orders.push(copy);
		return copy;
	}

	function updateOrder(id, patch) {
		const order = state.orders.find((o) => o.id === id);
		if (!order) throw new Error(`no order ${id}`);
		Object.assign(order, patch, { updatedAt: patch.updatedAt || new Date().toISOString() });
		return order;
	}

	/** Records a webhook delivery; `webhookData` defaults to the order (a copy). */
	function addWebhook({ eventID, order, webhookData, createdAt, id } = {}) {
		const delivery = {
			id: id || crypto.randomUUID(),
			partnerApiKey: state.apiKey,
			createdAt: createdAt || new Date().toISOString(),
			eventID,
			webhookData: webhookData !== undefined ? webhookData : structuredClone(order),
		};
		state.webhooks.push(delivery);
		return delivery;
	}

	function seedWebhooks(list) {
		state.webhooks = [];
		for (const entry of list) addWebhook(entry);
		return state.webhooks;
	}

	/**
	 * Makes the next `times` matching requests fail. `path`: a string prefix or RegExp on the path;
	 * `status` + `body`, or `destroy: true` to drop the connection; `delayMs` before answering.
	 * `authorized: true` matches only requests whose token the fake accepts (e.g. the retry after a
	 * refresh); `echoToken: true` puts the request's access token into the error message, as a
	 * careless proxy might.
	 */
	function failNext({
		path,
		method,
		status = 500,
		body,
		times = 1,
		destroy = false,
		delayMs = 0,
		authorized: onlyAuthorized = false,
		echoToken = false,
	} = {}) {
		state.failures.push({
			path,
			method,
			status,
			body,
			times,
			destroy,
			delayMs,
			onlyAuthorized,
			echoToken,
		});
	}

	/** Makes refresh-token answer `status`/`body` (until cleared with `failRefresh(null)`). */
	function failRefresh(status, body) {
		state.refreshFailure = status === null || status === undefined ? null : { status, body };
	}

	function reset() {
		state.refreshCalls = 0;
		state.requests = [];
		state.failures = [];
		state.refreshFailure = null;
	}

	function requestsTo(pathPrefix) {
		return state.requests.filter((r) => r.path.startsWith(pathPrefix));
	}

	setAccessToken(options.accessToken || issueToken().token);
	if (Array.isArray(options.orders)) seedOrders(options.orders);
	if (Array.isArray(options.webhooks)) seedWebhooks(options.webhooks);

	// -------------------------------------------------------------------------------------------

	function send(res, status, body) {
		const text = JSON.stringify(body);
		res.writeHead(status, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(text),
		});
		res.end(text);
	}

	/** When a JWT's `exp` says it expires (seconds), or undefined. */
	function expiryOf(token) {
		const claims = jwt.decode(token);
		return claims !== null && typeof claims === 'object' && typeof claims.exp === 'number'
			? claims.exp
			: undefined;
	}

	function authorized(req) {
		const token = req.headers['access-token'];
		if (typeof token !== 'string' || !state.validTokens.has(token)) return false;
		const exp = expiryOf(token);
		return exp === undefined || exp > Date.now() / 1000;
	}

	function takeFailure(method, path, req) {
		const i = state.failures.findIndex(
			(f) =>
				(!f.onlyAuthorized || authorized(req)) &&
				(f.method === undefined || f.method.toUpperCase() === method) &&
				(f.path === undefined ||
					(f.path instanceof RegExp ? f.path.test(path) : path.startsWith(f.path))),
		);
		if (i < 0) return undefined;
		const failure = state.failures[i];
		failure.times -= 1;
		if (failure.times <= 0) state.failures.splice(i, 1);
		return failure;
	}

	/** An order as the partner API answers it (the ID under `orderIdKey`). */
	function apiOrder(order) {
		if (state.orderIdKey === 'id') return order;
		const { id, ...rest } = order;
		return { [state.orderIdKey]: id, ...rest };
	}

	const ramp = rampRoutes({ state, send, authorized, errorBody, baseUrl: () => handle.url });

	function dayOf(value) {
		const ms = Date.parse(value);
		return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
	}

	function listOrders(query, res) {
		const limitText = query.get('limit');
		const skipText = query.get('skip');
		const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
		const skip = skipText === null ? 0 : Number(skipText);
		if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
			return send(res, 400, errorBody(400, 'Invalid limit'));
		if (!Number.isInteger(skip) || skip < 0) return send(res, 400, errorBody(400, 'Invalid skip'));

		let orders = state.orders;
		for (const name of ['startDate', 'endDate']) {
			const value = query.get(name);
			if (value === null) continue;
			if (!DATE_ONLY.test(value) || dayOf(value) !== value)
				return send(res, 400, errorBody(400, `Invalid ${name}, expected YYYY-MM-DD`));
			orders = orders.filter((o) => {
				const day = dayOf(o.createdAt);
				return day !== undefined && (name === 'startDate' ? day >= value : day <= value);
			});
		}
		const products = query.get('filter[productsAvailed]');
		if (products !== null) {
			let list;
			try {
				list = JSON.parse(products);
			} catch {
				list = undefined;
			}
			if (!Array.isArray(list) || list.some((p) => p !== 'BUY' && p !== 'SELL')) {
				return send(
					res,
					400,
					errorBody(400, 'filter[productsAvailed] must be a JSON array of "BUY" and "SELL"'),
				);
			}
			orders = orders.filter((o) => list.includes(o.isBuyOrSell));
		}
		for (const [param, field] of [
			['filter[status]', 'status'],
			['filter[partnerOrderId]', 'partnerOrderId'],
			['filter[walletAddress]', 'walletAddress'],
		]) {
			const value = query.get(param);
			if (value !== null) orders = orders.filter((o) => o[field] === value);
		}
		const sortOrder = query.get('filter[sortOrder]') || 'desc';
		if (sortOrder !== 'asc' && sortOrder !== 'desc')
			return send(res, 400, errorBody(400, 'Invalid filter[sortOrder]'));
		const sign = sortOrder === 'asc' ? 1 : -1;
		orders = [...orders].sort(
			(a, b) =>
				sign * (Date.parse(a.createdAt) - Date.parse(b.createdAt)) || (a.id < b.id ? -1 : 1),
		);

		return send(res, 200, {
			meta: { query: Object.fromEntries(query), limit, skip, totalCount: orders.length },
			data: orders.slice(skip, skip + limit).map(apiOrder),
		});
	}

	function route(method, path, query, body, req, res) {
		if (ramp.route(method, path, query, body, req, res)) return undefined;
		if (method === 'POST' && path === `${PARTNER}/refresh-token`) {
			state.refreshCalls += 1;
			if (state.refreshFailure) {
				return send(
					res,
					state.refreshFailure.status,
					state.refreshFailure.body || errorBody(state.refreshFailure.status, 'Refresh failed'),
				);
			}
			if (req.headers['api-secret'] !== state.apiSecret)
				return send(res, 401, errorBody(401, 'Invalid api secret'));
			if (!body || typeof body.apiKey !== 'string' || body.apiKey === '')
				return send(res, 400, errorBody(400, 'apiKey is required'));
			if (body.apiKey !== state.apiKey) return send(res, 400, errorBody(400, 'Invalid apiKey'));
			const { token, exp } = issueToken();
			setAccessToken(token, { keepPrevious: !state.refreshRotates });
			return send(res, 200, { data: { accessToken: token, expiresAt: exp } });
		}

		if (method === 'GET' && path.startsWith(`${PARTNER}/`)) {
			if (!authorized(req)) return send(res, 401, errorBody(401, 'Authorization Required'));
			const orderMatch = /^\/partners\/api\/v2\/order\/([^/]+)$/.exec(path);
			if (orderMatch) {
				const id = decodeURIComponent(orderMatch[1]);
				const order = state.orders.find((o) => o.id === id);
				if (!order) return send(res, 400, errorBody(400, 'Order not found'));
				return send(res, 200, { meta: { orderId: id }, data: apiOrder(order) });
			}
			if (path === `${PARTNER}/orders`) return listOrders(query, res);
			if (path === `${PARTNER}/webhooks`) {
				const eventID = query.get('eventID');
				const orderID = query.get('orderID');
				const data = state.webhooks.filter((w) => {
					if (eventID && w.eventID !== eventID) return false;
					if (!orderID) return true;
					const d = w.webhookData;
					return d !== null && typeof d === 'object' && (d.id === orderID || d.orderId === orderID);
				});
				return send(res, 200, { data });
			}
		}
		return send(res, 404, errorBody(404, `Cannot ${method} ${path}`));
	}

	/** Controls for scripts in another process: POST JSON bodies, GET for reads. */
	const CONTROL_ROUTES = {
		'GET /__fake/state': () => ({
			url: handle.url,
			apiKey: state.apiKey,
			accessToken: state.accessToken,
			refreshCalls: state.refreshCalls,
			requestCount: state.requests.length,
			orderCount: state.orders.length,
			webhookCount: state.webhooks.length,
		}),
		'GET /__fake/requests': () => state.requests,
		'POST /__fake/orders': (b) =>
			seedOrders(Array.isArray(b) ? b : b.orders || makeOrders(Number(b.count) || 0)).length,
		'POST /__fake/order': (b) => addOrder(b),
		'POST /__fake/order/update': (b) => updateOrder(b.id, b.patch || {}),
		'POST /__fake/webhooks': (b) => addWebhook(b),
		'POST /__fake/token/set': (b) => ({ accessToken: setAccessToken(b.accessToken, b) }),
		'POST /__fake/token/rotate': (b) => ({ accessToken: rotateAccessToken(b) }),
		'POST /__fake/token/expire': () => (expireAccessToken(), {}),
		'POST /__fake/fail': (b) => (
			failNext(b.pathRegex ? { ...b, path: new RegExp(b.pathRegex) } : b),
			{}
		),
		'POST /__fake/refresh/fail': (b) => (failRefresh(b.status, b.body), {}),
		'POST /__fake/reset': () => (reset(), {}),
	};

	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://127.0.0.1');
		const method = (req.method || 'GET').toUpperCase();
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) req.destroy();
			else chunks.push(chunk);
		});
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			let body;
			if (raw.length > 0) {
				try {
					body = JSON.parse(raw);
				} catch {
					body = undefined;
					if (!url.pathname.startsWith('/__fake/'))
						return send(res, 400, errorBody(400, 'Body is not JSON'));
				}
			}

			const control = CONTROL_ROUTES[`${method} ${url.pathname}`];
			if (control) {
				try {
					return send(res, 200, control(body || {}) ?? {});
				} catch (error) {
					return send(res, 400, errorBody(400, error.message));
				}
			}

			if (state.requests.length < state.recordLimit) {
				state.requests.push({
					method,
					path: url.pathname,
					query: Object.fromEntries(url.searchParams),
					accessToken: req.headers['access-token'],
					apiSecret: req.headers['api-secret'],
					headerNames: Object.keys(req.headers),
					body,
					at: Date.now(),
				});
			}

			const answer = () => {
				const failure = takeFailure(method, url.pathname, req);
				if (failure) {
					const act = () => {
						if (failure.destroy) return req.socket.destroy();
						const echoed = `Injected failure for access-token ${req.headers['access-token']}`;
						return send(
							res,
							failure.status,
							failure.echoToken
								? errorBody(failure.status, echoed)
								: failure.body || errorBody(failure.status, 'Injected failure'),
						);
					};
					return failure.delayMs > 0 ? setTimeout(act, failure.delayMs) : act();
				}
				return route(method, url.pathname, url.searchParams, body, req, res);
			};
			if (state.latencyMs > 0) setTimeout(answer, state.latencyMs);
			else answer();
		});
	});

	const host = options.host || '127.0.0.1';
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port || 0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address();

	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	const handle = {
		url: `http://${host}:${port}`,
		port,
		get validTokens() {
			return [...state.validTokens];
		},
		/** Transak API credential data pointing at this fake. */
		credentials(overrides = {}) {
			return {
				environment: 'custom',
				baseUrl: handle.url,
				apiKey: state.apiKey,
				accessToken: state.accessToken,
				apiSecret: state.apiSecret,
				previousAccessToken: '',
				...overrides,
			};
		},
		setAccessToken,
		rotateAccessToken,
		expireAccessToken,
		expiredToken,
		seedOrders,
		addOrder,
		updateOrder,
		addWebhook,
		seedWebhooks,
		failNext,
		failRefresh,
		reset,
		requestsTo,
		/** Every Create Widget URL session, oldest first: {sessionId, widgetParams, createdAt, opened}. */
		get widgetSessions() {
			return ramp.widgetSessions;
		},
		setLatency(ms) {
			state.latencyMs = ms;
		},
		close() {
			return new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			});
		},
	};
	for (const name of STATE_VIEWS)
		Object.defineProperty(handle, name, { get: () => state[name], enumerable: true });

	return handle;
}

module.exports = { startFakeTransakApi, makeOrder, makeOrders, errorBody };

if (require.main === module) {
	const argv = process.argv.slice(2);
	const seed = Number(parseFlag(argv, 'seed', '25'));
	startFakeTransakApi({
		port: Number(parseFlag(argv, 'port', '0')),
		apiKey: parseFlag(argv, 'api-key', undefined),
		apiSecret: parseFlag(argv, 'api-secret', undefined),
		accessToken: parseFlag(argv, 'access-token', undefined),
		tokenFormat: parseFlag(argv, 'token-format', 'jwt'),
		orderIdKey: parseFlag(argv, 'order-id-key', '_id'),
		orders: makeOrders(Number.isInteger(seed) && seed >= 0 ? seed : 25),
	}).then(
		(api) => {
			// Fake credentials for a local fake: printing them is how a developer learns them.
			process.stdout.write(
				`${JSON.stringify({ url: api.url, apiKey: api.apiKey, apiSecret: api.apiSecret, accessToken: api.accessToken, orders: api.orders.length })}\n`,
			);
			const stop = () => api.close().then(() => process.exit(0));
			process.on('SIGINT', stop);
			process.on('SIGTERM', stop);
		},
		(error) => {
			process.stderr.write(`fake Transak API failed to start: ${error.message}\n`);
			process.exit(1);
		},
	);
}
