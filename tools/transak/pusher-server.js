'use strict';
/**
 * A Pusher Channels server (protocol 7) on the `ws` package, for tests, benches, e2e runs and the
 * dev sandbox. Real pusher-js connects to it, and the official `pusher` SDK publishes to it:
 *
 *   const server = await startPusherServer({ port: 0, appId: '1', key: 'k', secret: 's' });
 *   new Pusher({ appId: '1', key: 'k', secret: 's', host: '127.0.0.1', port: String(server.port), useTLS: false });
 *   new PusherJs('k', { cluster: 'x', wsHost: '127.0.0.1', wsPort: server.port, forceTLS: false, enabledTransports: ['ws'] });
 *
 * What it speaks (as the hosted service does):
 * - WebSocket `/app/<key>?protocol=7`: `pusher:connection_established` with `activity_timeout`;
 *   `pusher:subscribe` / `pusher:unsubscribe` (public, `private-` and `presence-` channels with the
 *   HMAC channel auth); `pusher:ping` -> `pusher:pong`; `client-*` events on private and presence
 *   channels; an unknown key is refused with `pusher:error` and close code 4001.
 * - HTTP `POST /apps/<id>/events`, `POST /apps/<id>/batch_events`, `GET /apps/<id>/channels`,
 *   `GET /apps/<id>/channels/<name>` with the auth signature check of the HTTP API (auth_key,
 *   auth_timestamp within 600 s, auth_version 1.0, body_md5, HMAC-SHA256 auth_signature).
 *
 * Test controls (on the handle, and over HTTP under `/_test/` for scripts running it as a process):
 * connections and subscriptions, dropping every socket abruptly or with a close code, refusing
 * new connections, closing every subscription right after it succeeds (flapping), sending raw
 * frames, swallowing pings, stopping and restarting on the same port, activity timeout.
 *
 * CLI: `node tools/transak/pusher-server.js --port 0 [--app-id ID] [--key K] [--secret S]
 * [--activity-timeout SECONDS] [--host 127.0.0.1]` prints one JSON line
 * `{"port":N,"host":"127.0.0.1","appId":..,"key":..,"secret":..}` once listening, and stops on
 * SIGINT/SIGTERM.
 */
const crypto = require('crypto');
const http = require('http');
const { EventEmitter } = require('events');
const { WebSocketServer } = require('ws');

const PROTOCOL_MIN = 5;
const CHANNEL_NAME = /^[-a-zA-Z0-9_=@,.;]+$/;
const MAX_CHANNEL_NAME = 164;
const MAX_EVENT_NAME = 200;
const MAX_CHANNELS_PER_EVENT = 100;
const MAX_BATCH = 10;
const TIMESTAMP_GRACE_SECONDS = 600;

function hmac(secret, text) {
	return crypto.createHmac('sha256', secret).update(text).digest('hex');
}

function safeEqual(a, b) {
	const left = Buffer.from(String(a));
	const right = Buffer.from(String(b));
	return left.length === right.length && crypto.timingSafeEqual(left, right);
}

function encode(event, data, channel) {
	const frame = { event, data: typeof data === 'string' ? data : JSON.stringify(data) };
	if (channel !== undefined) frame.channel = channel;
	return JSON.stringify(frame);
}

function readBody(req, limit) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size > limit) {
				reject(Object.assign(new Error('Request body too large'), { status: 413 }));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

/**
 * Starts a server; resolves once it listens.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port (kept across stop/start)
 * @param {string} [options.host='127.0.0.1']
 * @param {string} [options.appId='1'] @param {string} [options.key='app-key'] @param {string} [options.secret='app-secret']
 * @param {number} [options.activityTimeout=120] seconds, sent in connection_established
 * @param {number} [options.maxEventBytes=10240] largest `data` accepted by the HTTP API (Pusher's limit)
 * @param {boolean} [options.controlApi=true] serve the `/_test/` HTTP controls
 */
async function startPusherServer(options = {}) {
	const config = {
		host: options.host ?? '127.0.0.1',
		appId: String(options.appId ?? '1'),
		key: String(options.key ?? 'app-key'),
		secret: String(options.secret ?? 'app-secret'),
		activityTimeout: Number(options.activityTimeout ?? 120),
		maxEventBytes: Number(options.maxEventBytes ?? 10240),
		controlApi: options.controlApi !== false,
	};
	const events = new EventEmitter();
	/** socketId -> { ws, socketId, channels: Set, remoteAddress, connectedAt } */
	const sockets = new Map();
	/** channel -> Set of socketIds */
	const channels = new Map();
	const stats = { connections: 0, published: 0, delivered: 0, pings: 0, pongs: 0 };
	let answerPings = true;
	let refusal; // { code, message } while new connections are refused
	let flapping; // { code, reason, channel } while every subscription is closed right after it succeeds
	let port = Number(options.port ?? 0);
	let httpServer;
	let wss;
	let running = false;

	function newSocketId() {
		return `${crypto.randomInt(1, 2 ** 31)}.${crypto.randomInt(1, 2 ** 31)}`;
	}

	function send(client, text) {
		if (client.ws.readyState === client.ws.OPEN) client.ws.send(text);
	}

	function sendError(client, code, message) {
		send(client, encode('pusher:error', { code, message }));
	}

	function leave(client, channel) {
		if (!client.channels.delete(channel)) return;
		const members = channels.get(channel);
		if (members !== undefined) {
			members.delete(client.socketId);
			if (members.size === 0) channels.delete(channel);
		}
		events.emit('unsubscribe', { socketId: client.socketId, channel });
	}

	function deliver(channel, event, data, exceptSocketId) {
		const members = channels.get(channel);
		if (members === undefined) return 0;
		const text = encode(event, data, channel);
		let count = 0;
		for (const socketId of members) {
			if (socketId === exceptSocketId) continue;
			const client = sockets.get(socketId);
			if (client !== undefined) {
				send(client, text);
				count += 1;
			}
		}
		stats.delivered += count;
		return count;
	}

	function authorised(client, channel, auth, channelData) {
		if (!channel.startsWith('private-') && !channel.startsWith('presence-')) return true;
		if (typeof auth !== 'string') return false;
		const [authKey, signature] = auth.split(':');
		const signed = channel.startsWith('presence-')
			? `${client.socketId}:${channel}:${channelData ?? ''}`
			: `${client.socketId}:${channel}`;
		return authKey === config.key && safeEqual(signature ?? '', hmac(config.secret, signed));
	}

	function subscribe(client, data) {
		const channel = data && typeof data.channel === 'string' ? data.channel : '';
		if (channel.length === 0 || channel.length > MAX_CHANNEL_NAME || !CHANNEL_NAME.test(channel)) {
			sendError(client, null, `Invalid channel name '${channel}'`);
			return;
		}
		if (!authorised(client, channel, data.auth, data.channel_data)) {
			// As Pusher does: an error without a code, the connection stays open.
			sendError(client, null, `Invalid signature: subscription to ${channel} not authorised`);
			return;
		}
		if (!client.channels.has(channel)) {
			client.channels.add(channel);
			if (!channels.has(channel)) channels.set(channel, new Set());
			channels.get(channel).add(client.socketId);
		}
		let payload = {};
		if (channel.startsWith('presence-')) {
			let member = {};
			try {
				member = JSON.parse(data.channel_data ?? '{}');
			} catch {
				member = {};
			}
			const id = String(member.user_id ?? client.socketId);
			payload = { presence: { count: 1, ids: [id], hash: { [id]: member.user_info ?? {} } } };
		}
		send(client, encode('pusher_internal:subscription_succeeded', payload, channel));
		events.emit('subscribe', { socketId: client.socketId, channel });
		if (flapping !== undefined && (flapping.channel === undefined || flapping.channel === channel))
			closeClient(client, flapping.code, flapping.reason);
	}

	/** Closes one socket with a Pusher close code; 4000-4099 are announced with `pusher:error` first. */
	function closeClient(client, code, reason) {
		if (code >= 4000 && code < 4100) sendError(client, code, reason);
		client.ws.close(code, reason);
	}

	function onMessage(client, raw) {
		let message;
		try {
			message = JSON.parse(raw.toString());
		} catch {
			sendError(client, null, 'Invalid JSON');
			return;
		}
		if (message === null || typeof message !== 'object' || typeof message.event !== 'string') {
			sendError(client, null, 'Invalid event');
			return;
		}
		let data = message.data;
		if (typeof data === 'string') {
			try {
				data = JSON.parse(data);
			} catch {
				// Client events may carry plain strings.
			}
		}
		switch (message.event) {
			case 'pusher:ping':
				stats.pings += 1;
				events.emit('ping', { socketId: client.socketId });
				if (answerPings) {
					stats.pongs += 1;
					send(client, encode('pusher:pong', {}));
				}
				return;
			case 'pusher:pong':
				return;
			case 'pusher:subscribe':
				subscribe(client, data);
				return;
			case 'pusher:unsubscribe':
				if (data && typeof data.channel === 'string') leave(client, data.channel);
				return;
			default:
				break;
		}
		if (message.event.startsWith('client-')) {
			const channel = message.channel;
			const privateChannel =
				typeof channel === 'string' &&
				(channel.startsWith('private-') || channel.startsWith('presence-'));
			if (!privateChannel || !client.channels.has(channel)) {
				sendError(
					client,
					null,
					'Client events are only allowed on subscribed private or presence channels',
				);
				return;
			}
			deliver(channel, message.event, message.data, client.socketId);
			return;
		}
		sendError(client, null, `Unsupported event ${message.event}`);
	}

	function onConnection(ws, req) {
		const url = new URL(req.url, 'http://localhost');
		const match = /^\/app\/([^/]+)$/.exec(url.pathname);
		const protocol = Number(url.searchParams.get('protocol') ?? 0);
		const reject = (code, message) => {
			ws.send(encode('pusher:error', { code, message }));
			ws.close(code, message);
		};
		if (match === null || decodeURIComponent(match[1]) !== config.key) {
			reject(
				4001,
				`App key ${match ? decodeURIComponent(match[1]) : ''} not in this cluster. Did you forget to specify the cluster?`,
			);
			return;
		}
		if (!Number.isFinite(protocol) || protocol < PROTOCOL_MIN) {
			reject(4007, 'Unsupported protocol version');
			return;
		}
		if (refusal !== undefined) {
			reject(refusal.code, refusal.message);
			return;
		}
		const client = {
			ws,
			socketId: newSocketId(),
			channels: new Set(),
			remoteAddress: req.socket.remoteAddress,
			connectedAt: Date.now(),
		};
		sockets.set(client.socketId, client);
		stats.connections += 1;
		ws.on('message', (raw) => onMessage(client, raw));
		ws.on('error', () => {});
		ws.on('close', (code) => {
			for (const channel of [...client.channels]) leave(client, channel);
			sockets.delete(client.socketId);
			events.emit('disconnect', { socketId: client.socketId, code });
		});
		send(
			client,
			encode('pusher:connection_established', {
				socket_id: client.socketId,
				activity_timeout: config.activityTimeout,
			}),
		);
		events.emit('connection', { socketId: client.socketId });
	}

	/** The HTTP API's signature: HMAC-SHA256 of "METHOD\nPATH\nsorted query without auth_signature". */
	function checkAuth(method, pathname, rawQuery, body) {
		const pairs = rawQuery.length > 0 ? rawQuery.split('&') : [];
		const params = {};
		const signedPairs = [];
		for (const pair of pairs) {
			const eq = pair.indexOf('=');
			const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
			const value = eq < 0 ? '' : pair.slice(eq + 1);
			params[name] = decodeURIComponent(value);
			if (name !== 'auth_signature')
				signedPairs.push([
					name.toLowerCase(),
					`${name.toLowerCase()}=${decodeURIComponent(value)}`,
				]);
		}
		if (params.auth_key !== config.key) return { status: 401, message: 'Unknown auth_key' };
		if (params.auth_version !== '1.0') return { status: 401, message: 'Invalid auth_version' };
		const timestamp = Number(params.auth_timestamp);
		if (
			!Number.isFinite(timestamp) ||
			Math.abs(Date.now() / 1000 - timestamp) > TIMESTAMP_GRACE_SECONDS
		) {
			return {
				status: 401,
				message: 'Timestamp expired: given timestamp is not within 600 s of server time',
			};
		}
		if (body.length > 0) {
			const md5 = crypto.createHash('md5').update(body, 'utf8').digest('hex');
			if (params.body_md5 !== md5) return { status: 401, message: 'Invalid body_md5' };
		}
		signedPairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
		const signData = `${method}\n${pathname}\n${signedPairs.map((p) => p[1]).join('&')}`;
		if (!safeEqual(params.auth_signature ?? '', hmac(config.secret, signData))) {
			return {
				status: 401,
				message:
					'Invalid signature: you should have sent HmacSHA256Hex(' +
					JSON.stringify(signData) +
					', your_secret_key)',
			};
		}
		return { status: 200, params };
	}

	function validateEvent(name, data, channelList) {
		if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME)
			return [400, 'Invalid event name'];
		if (typeof data !== 'string') return [400, 'Event data must be a string'];
		if (Buffer.byteLength(data) > config.maxEventBytes)
			return [413, `Event data exceeds ${config.maxEventBytes} bytes`];
		if (
			!Array.isArray(channelList) ||
			channelList.length === 0 ||
			channelList.length > MAX_CHANNELS_PER_EVENT
		) {
			return [400, 'Invalid channels'];
		}
		for (const channel of channelList) {
			if (
				typeof channel !== 'string' ||
				channel.length > MAX_CHANNEL_NAME ||
				!CHANNEL_NAME.test(channel)
			) {
				return [400, `Invalid channel name '${channel}'`];
			}
		}
		return undefined;
	}

	function publish(channelList, name, data, exceptSocketId) {
		stats.published += 1;
		let delivered = 0;
		for (const channel of channelList) delivered += deliver(channel, name, data, exceptSocketId);
		events.emit('publish', { channels: channelList, name, delivered });
		return delivered;
	}

	function channelInfo(channel) {
		const count = channels.get(channel)?.size ?? 0;
		return { occupied: count > 0, subscription_count: count };
	}

	async function handleApi(req, res, url, reply) {
		const match = /^\/apps\/([^/]+)\/(events|batch_events|channels)(?:\/([^/]+))?$/.exec(
			url.pathname,
		);
		if (match === null) return reply(404, { error: 'Not found' });
		if (decodeURIComponent(match[1]) !== config.appId) return reply(404, { error: 'Unknown app' });
		const body =
			req.method === 'POST' ? await readBody(req, config.maxEventBytes * MAX_BATCH + 65536) : '';
		const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
		const auth = checkAuth(req.method, url.pathname, rawQuery, body);
		if (auth.status !== 200) return reply(auth.status, { error: auth.message });

		const [, , resource, channelName] = match;
		if (req.method === 'GET' && resource === 'channels') {
			if (channelName !== undefined)
				return reply(200, channelInfo(decodeURIComponent(channelName)));
			const prefix = auth.params.filter_by_prefix ?? '';
			const withCount = String(auth.params.info ?? '')
				.split(',')
				.includes('subscription_count');
			const list = {};
			for (const [name, members] of channels) {
				if (name.startsWith(prefix))
					list[name] = withCount ? { subscription_count: members.size } : {};
			}
			return reply(200, { channels: list });
		}
		if (req.method !== 'POST' || channelName !== undefined || resource === 'channels') {
			return reply(405, { error: 'Method not allowed' });
		}
		let payload;
		try {
			payload = JSON.parse(body);
		} catch {
			return reply(400, { error: 'Body is not JSON' });
		}
		if (resource === 'events') {
			const channelList = Array.isArray(payload.channels)
				? payload.channels
				: payload.channel !== undefined
					? [payload.channel]
					: undefined;
			const invalid = validateEvent(payload.name, payload.data, channelList);
			if (invalid) return reply(invalid[0], { error: invalid[1] });
			publish(channelList, payload.name, payload.data, payload.socket_id);
			return reply(200, {});
		}
		const batch = payload.batch;
		if (!Array.isArray(batch) || batch.length === 0 || batch.length > MAX_BATCH) {
			return reply(400, { error: `Batch must hold 1 to ${MAX_BATCH} events` });
		}
		for (const item of batch) {
			const invalid = validateEvent(item?.name, item?.data, [item?.channel]);
			if (invalid) return reply(invalid[0], { error: invalid[1] });
		}
		for (const item of batch) publish([item.channel], item.name, item.data, item.socket_id);
		return reply(200, { batch: batch.map(() => ({})) });
	}

	async function handleControl(req, res, url, reply) {
		const action = url.pathname.slice('/_test/'.length);
		const q = url.searchParams;
		switch (action) {
			case 'connections':
				return reply(200, {
					connections: handle.connections(),
					channels: handle.channels(),
					stats: { ...stats },
				});
			case 'terminate':
				return reply(200, { dropped: handle.terminateAll() });
			case 'close':
				return reply(200, {
					dropped: handle.closeAll(Number(q.get('code') ?? 4200), q.get('reason') ?? undefined),
				});
			case 'pongs':
				handle.setAnswerPings(q.get('enabled') !== 'false');
				return reply(200, { answerPings });
			case 'refuse': {
				const code = q.get('code');
				handle.refuseConnections(
					code === null || code === 'off'
						? undefined
						: { code: Number(code), message: q.get('message') ?? undefined },
				);
				return reply(200, { refusal: refusal ?? null });
			}
			case 'flap': {
				const code = q.get('code');
				handle.closeAfterSubscribe(
					code === null || code === 'off'
						? undefined
						: {
								code: Number(code),
								reason: q.get('reason') ?? undefined,
								channel: q.get('channel') ?? undefined,
							},
				);
				return reply(200, { flapping: flapping ?? null });
			}
			case 'activity-timeout':
				handle.setActivityTimeout(Number(q.get('seconds')));
				return reply(200, { activityTimeout: config.activityTimeout });
			case 'outage': {
				// Answers first, then stops and restarts on the same port after `ms`.
				const ms = Number(q.get('ms') ?? 1000);
				reply(200, { downForMs: ms });
				setTimeout(() => {
					void handle
						.stop()
						.then(() => new Promise((r) => setTimeout(r, ms)))
						.then(() => handle.start());
				}, 10);
				return undefined;
			}
			default:
				return reply(404, { error: 'Unknown control' });
		}
	}

	function onRequest(req, res) {
		const url = new URL(req.url, 'http://localhost');
		const reply = (status, body) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		const handler =
			config.controlApi && url.pathname.startsWith('/_test/') ? handleControl : handleApi;
		handler(req, res, url, reply).catch((error) => {
			if (!res.headersSent) reply(error.status ?? 500, { error: error.message });
		});
	}

	async function start() {
		if (running) return;
		httpServer = http.createServer(onRequest);
		// Longer than clients keep idle sockets: a server closing a socket the client is reusing loses a publish.
		httpServer.keepAliveTimeout = 65_000;
		httpServer.headersTimeout = 66_000;
		wss = new WebSocketServer({ noServer: true });
		wss.on('connection', onConnection);
		httpServer.on('upgrade', (req, socket, head) => {
			wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
		});
		await new Promise((resolve, reject) => {
			httpServer.once('error', reject);
			httpServer.listen(port, config.host, () => {
				httpServer.off('error', reject);
				resolve();
			});
		});
		port = httpServer.address().port;
		running = true;
		events.emit('start', { port });
	}

	/** Drops every socket abruptly and stops listening: the port refuses connections until start(). */
	async function stop() {
		if (!running) return;
		running = false;
		for (const client of sockets.values()) client.ws.terminate();
		const closed = new Promise((resolve) => httpServer.close(() => resolve()));
		httpServer.closeAllConnections();
		wss.close();
		await closed;
		events.emit('stop', {});
	}

	const handle = {
		get port() {
			return port;
		},
		host: config.host,
		appId: config.appId,
		key: config.key,
		secret: config.secret,
		get running() {
			return running;
		},
		get activityTimeout() {
			return config.activityTimeout;
		},
		stats,
		events,
		on: (event, listener) => events.on(event, listener),
		off: (event, listener) => events.off(event, listener),
		/** Open sockets: `[{ socketId, channels: [...], remoteAddress, connectedAt }]`. */
		connections() {
			return [...sockets.values()].map((c) => ({
				socketId: c.socketId,
				channels: [...c.channels],
				remoteAddress: c.remoteAddress,
				connectedAt: c.connectedAt,
			}));
		},
		/** Occupied channels and their subscriber counts. */
		channels() {
			return Object.fromEntries([...channels].map(([name, members]) => [name, members.size]));
		},
		/** Socket ids subscribed to `channel`. */
		subscribers(channel) {
			return [...(channels.get(channel) ?? [])];
		},
		subscriptionCount(channel) {
			return channels.get(channel)?.size ?? 0;
		},
		/** Resolves once `channel` has at least `count` subscribers (after a reconnect, for example). */
		waitForSubscribers(channel, count = 1, timeoutMs = 10000) {
			return waitUntil(
				() => handle.subscriptionCount(channel) >= count,
				timeoutMs,
				`${count} subscriber(s) on ${channel}`,
			);
		},
		/** Resolves once no socket is open. */
		waitForNoConnections(timeoutMs = 10000) {
			return waitUntil(() => sockets.size === 0, timeoutMs, 'no connections');
		},
		/**
		 * Resolves with the next event of `name` (`subscribe`, `connection`, `disconnect`, `publish`,
		 * `ping`) matching `filter`.
		 * @param {string} name
		 * @param {(event: any) => boolean} [filter]
		 * @param {number} [timeoutMs]
		 */
		next(name, filter = () => true, timeoutMs = 10000) {
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					events.off(name, listener);
					reject(new Error(`pusher-server: no '${name}' event within ${timeoutMs} ms`));
				}, timeoutMs);
				const listener = (event) => {
					if (!filter(event)) return;
					clearTimeout(timer);
					events.off(name, listener);
					resolve(event);
				};
				events.on(name, listener);
			});
		},
		/** Ends every socket without a close frame (a network drop). Returns how many. */
		terminateAll() {
			const count = sockets.size;
			for (const client of sockets.values()) client.ws.terminate();
			return count;
		},
		/** Closes every socket with a Pusher close code (4200 reconnect now, 4100 back off, 4001 refused...). */
		closeAll(code = 4200, reason = 'Closed by the test server') {
			const count = sockets.size;
			for (const client of sockets.values()) closeClient(client, code, reason);
			return count;
		},
		/**
		 * While set, every subscription (to `channel`, or to any channel) is closed with `code` right
		 * after it succeeds: a connection that flaps. Undefined stops it.
		 */
		closeAfterSubscribe(value) {
			flapping = value && { code: 4200, reason: 'Closed by the test server', ...value };
		},
		/** Sends one frame, as given, to every open socket (a hostile or broken server). Returns how many. */
		sendRaw(text) {
			for (const client of sockets.values()) send(client, text);
			return sockets.size;
		},
		/** While set, new connections get `pusher:error` and this close code (e.g. 4003 app disabled). */
		refuseConnections(value) {
			refusal =
				value === undefined
					? undefined
					: {
							code: Number(value.code ?? 4001),
							message: value.message ?? 'Connection refused by the test server',
						};
		},
		/** false: `pusher:ping` gets no `pusher:pong` (lost pongs). */
		setAnswerPings(value) {
			answerPings = Boolean(value);
		},
		/** Seconds sent as `activity_timeout` to connections made from now on. */
		setActivityTimeout(seconds) {
			if (!(seconds > 0)) throw new Error('activity timeout must be > 0 seconds');
			config.activityTimeout = seconds;
		},
		/** Publishes without the HTTP API (no signature): `data` is sent as a string, like the SDK does. */
		publish(channel, name, data) {
			return publish([channel], name, typeof data === 'string' ? data : JSON.stringify(data));
		},
		stop,
		start,
		/** Stops for `ms` milliseconds, then listens again on the same port (a server outage). */
		async outage(ms) {
			await stop();
			await new Promise((resolve) => setTimeout(resolve, ms));
			await start();
		},
		close: stop,
	};

	await start();
	return handle;
}

function waitUntil(predicate, timeoutMs, what) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const check = () => {
			if (predicate()) return resolve();
			if (Date.now() - started > timeoutMs)
				return reject(new Error(`pusher-server: timed out waiting for ${what}`));
			setTimeout(check, 5);
		};
		check();
	});
}

function parseArgs(argv) {
	const options = {};
	const names = {
		'--port': 'port',
		'--host': 'host',
		'--app-id': 'appId',
		'--key': 'key',
		'--secret': 'secret',
		'--activity-timeout': 'activityTimeout',
		'--max-event-bytes': 'maxEventBytes',
	};
	for (let i = 0; i < argv.length; i += 1) {
		const [flag, inline] = argv[i].split('=');
		const name = names[flag];
		if (name === undefined) throw new Error(`unknown option ${flag}`);
		const value = inline ?? argv[++i];
		options[name] = ['port', 'activityTimeout', 'maxEventBytes'].includes(name)
			? Number(value)
			: value;
	}
	return options;
}

if (require.main === module) {
	startPusherServer(parseArgs(process.argv.slice(2))).then(
		(server) => {
			process.stdout.write(
				`${JSON.stringify({ port: server.port, host: server.host, appId: server.appId, key: server.key, secret: server.secret })}\n`,
			);
			const shutdown = () => void server.close().then(() => process.exit(0));
			process.on('SIGINT', shutdown);
			process.on('SIGTERM', shutdown);
		},
		(error) => {
			process.stderr.write(`pusher-server: ${error.message}\n`);
			process.exit(1);
		},
	);
}

/**
 * The official `pusher` SDK publishing to `server` over loopback, as Transak publishes to Pusher.
 * @param {{ appId: string, key: string, secret: string, port: number }} server
 * @param {Record<string, unknown>} [options]  more SDK options (an http agent, ...)
 */
function publisherFor(server, options = {}) {
	const Pusher = require('pusher');
	const { appId, key, secret, port } = server;
	return new Pusher({
		appId,
		key,
		secret,
		host: '127.0.0.1',
		port: String(port),
		useTLS: false,
		...options,
	});
}

module.exports = { startPusherServer, publisherFor };
