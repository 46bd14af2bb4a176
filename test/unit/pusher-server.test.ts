/**
 * The Pusher-protocol test server (tools/transak/pusher-server.js): protocol 7 as pusher-js speaks
 * it, the HTTP API with its signature check as the official `pusher` SDK uses it, the test controls
 * and the CLI. A raw `ws` client shows exactly what goes over the wire.
 */
import { spawn } from 'child_process';
import crypto from 'crypto';
import path from 'path';

import PusherSdk from 'pusher';
import WebSocket from 'ws';

import { APP, publisher, startServer, type PusherServer } from './support/pusher';
import { sleep, until } from './support/wait';

interface Frame {
	event: string;
	channel?: string;
	data?: unknown;
}

/** A raw protocol client: every frame it receives, parsed. */
class RawClient {
	readonly frames: Frame[] = [];

	closed: { code: number; reason: string } | undefined;

	readonly ws: WebSocket;

	constructor(port: number, key = APP.key, protocol = 7) {
		this.ws = new WebSocket(
			`ws://127.0.0.1:${port}/app/${key}?protocol=${protocol}&client=js&version=8.6.0&flash=false`,
		);
		this.ws.on('message', (raw) => this.frames.push(JSON.parse(raw.toString()) as Frame));
		this.ws.on('close', (code, reason) => {
			this.closed = { code, reason: reason.toString() };
		});
		this.ws.on('error', () => undefined);
	}

	send(frame: object): void {
		this.ws.send(JSON.stringify(frame));
	}

	private readonly taken = new Set<Frame>();

	/** The oldest frame of this event not returned before (it may have arrived already). */
	async next(event: string, timeoutMs = 3000): Promise<Frame> {
		const find = () => this.frames.find((f) => f.event === event && !this.taken.has(f));
		await until(() => find() !== undefined, timeoutMs, event);
		const frame = find()!;
		this.taken.add(frame);
		return frame;
	}

	async established(): Promise<{ socket_id: string; activity_timeout: number }> {
		await until(() => this.frames.length > 0, 3000, 'connection_established');
		const frame = this.frames[0];
		expect(frame.event).toBe('pusher:connection_established');
		expect(typeof frame.data).toBe('string');
		return JSON.parse(frame.data as string);
	}

	async subscribe(channel: string, extra: object = {}): Promise<Frame> {
		const reply = this.next('pusher_internal:subscription_succeeded');
		this.send({ event: 'pusher:subscribe', data: { auth: '', channel, ...extra } });
		return await reply;
	}

	close(): void {
		this.ws.terminate();
	}
}

let server: PusherServer;
let sdk: PusherSdk;
const clients: RawClient[] = [];

function client(
	...args: ConstructorParameters<typeof RawClient> extends [number, ...infer R] ? R : never
): RawClient {
	const c = new RawClient(server.port, ...args);
	clients.push(c);
	return c;
}

beforeAll(async () => {
	server = await startServer({ activityTimeout: 7 });
	sdk = publisher(server);
});

afterEach(async () => {
	for (const c of clients.splice(0)) c.close();
	server.setAnswerPings(true);
	server.refuseConnections(undefined);
	await server.waitForNoConnections();
});

afterAll(async () => {
	await server.close();
});

describe('protocol 7 over WebSocket', () => {
	it('greets with connection_established carrying socket_id and activity_timeout', async () => {
		const info = await client().established();
		expect(info.socket_id).toMatch(/^\d+\.\d+$/);
		expect(info.activity_timeout).toBe(7);
		expect(server.connections()).toHaveLength(1);
		expect(server.connections()[0].socketId).toBe(info.socket_id);
	});

	it('subscribes, delivers published events with data as a string, and unsubscribes', async () => {
		const c = client();
		await c.established();
		const ok = await c.subscribe('order-1');
		expect(ok).toEqual({
			event: 'pusher_internal:subscription_succeeded',
			channel: 'order-1',
			data: '{}',
		});
		expect(server.subscribers('order-1')).toHaveLength(1);
		expect(server.channels()).toEqual({ 'order-1': 1 });

		await sdk.trigger('order-1', 'ORDER_CREATED', {
			id: 'order-1',
			status: 'AWAITING_PAYMENT_FROM_USER',
		});
		const frame = await c.next('ORDER_CREATED');
		expect(frame).toEqual({
			event: 'ORDER_CREATED',
			channel: 'order-1',
			data: JSON.stringify({ id: 'order-1', status: 'AWAITING_PAYMENT_FROM_USER' }),
		});

		c.send({ event: 'pusher:unsubscribe', data: { channel: 'order-1' } });
		await until(() => server.subscriptionCount('order-1') === 0);
		await sdk.trigger('order-1', 'ORDER_COMPLETED', {});
		await sleep(50);
		expect(c.frames.some((f) => f.event === 'ORDER_COMPLETED')).toBe(false);
	});

	it('answers pusher:ping with pusher:pong, unless told to lose pongs', async () => {
		const c = client();
		await c.established();
		const pong = c.next('pusher:pong');
		c.send({ event: 'pusher:ping', data: {} });
		expect(await pong).toEqual({ event: 'pusher:pong', data: '{}' });

		server.setAnswerPings(false);
		const pings = server.stats.pings;
		c.send({ event: 'pusher:ping', data: {} });
		await until(() => server.stats.pings === pings + 1);
		await sleep(100);
		expect(c.frames.filter((f) => f.event === 'pusher:pong')).toHaveLength(1);
	});

	it('refuses an unknown app key with pusher:error and close code 4001', async () => {
		const c = client('wrong-key');
		await until(() => c.closed !== undefined);
		expect(c.closed!.code).toBe(4001);
		expect(c.frames[0]).toMatchObject({ event: 'pusher:error' });
		expect(JSON.parse(c.frames[0].data as string).code).toBe(4001);
	});

	it('refuses an old protocol with 4007', async () => {
		const c = client(APP.key, 4);
		await until(() => c.closed !== undefined);
		expect(c.closed!.code).toBe(4007);
	});

	it('checks private channel auth and rejects bad channel names', async () => {
		const c = client();
		const { socket_id: socketId } = await c.established();
		const signature = crypto
			.createHmac('sha256', APP.secret)
			.update(`${socketId}:private-orders`)
			.digest('hex');
		const ok = await c.subscribe('private-orders', { auth: `${APP.key}:${signature}` });
		expect(ok.channel).toBe('private-orders');

		const error = c.next('pusher:error');
		c.send({
			event: 'pusher:subscribe',
			data: { auth: `${APP.key}:bad`, channel: 'private-other' },
		});
		expect(JSON.parse((await error).data as string)).toMatchObject({
			code: null,
			message: expect.stringMatching(/Invalid signature/),
		});
		const error2 = c.next('pusher:error');
		c.send({ event: 'pusher:subscribe', data: { auth: '', channel: 'bad channel!' } });
		expect(JSON.parse((await error2).data as string).message).toMatch(/Invalid channel name/);
		expect(server.channels()).toEqual({ 'private-orders': 1 });
	});
});

describe('HTTP API with the official SDK', () => {
	it('trigger to several channels, triggerBatch, and channel queries', async () => {
		const a = client();
		const b = client();
		await a.established();
		await b.established();
		await a.subscribe('ch-a');
		await b.subscribe('ch-b');

		await sdk.trigger(['ch-a', 'ch-b'], 'ORDER_PROCESSING', 'plain string stays a string');
		expect((await a.next('ORDER_PROCESSING')).data).toBe('plain string stays a string');
		expect((await b.next('ORDER_PROCESSING')).channel).toBe('ch-b');

		await sdk.triggerBatch([
			{ channel: 'ch-a', name: 'ORDER_COMPLETED', data: { n: 1 } },
			{ channel: 'ch-b', name: 'ORDER_FAILED', data: { n: 2 } },
		]);
		expect((await a.next('ORDER_COMPLETED')).data).toBe('{"n":1}');
		expect((await b.next('ORDER_FAILED')).data).toBe('{"n":2}');

		const list = await (
			await sdk.get({ path: '/channels', params: { info: 'subscription_count' } })
		).json();
		expect(list).toEqual({
			channels: { 'ch-a': { subscription_count: 1 }, 'ch-b': { subscription_count: 1 } },
		});
		const one = await (await sdk.get({ path: '/channels/ch-a' })).json();
		expect(one).toEqual({ occupied: true, subscription_count: 1 });
	});

	it('rejects a wrong secret, a tampered body, a stale timestamp and oversized data', async () => {
		const wrong = new PusherSdk({
			appId: APP.appId,
			key: APP.key,
			secret: 'not-the-secret',
			host: '127.0.0.1',
			port: String(server.port),
			useTLS: false,
		});
		await expect(wrong.trigger('x', 'E', {})).rejects.toMatchObject({ status: 401 });

		const body = JSON.stringify({ name: 'E', data: '{}', channels: ['x'] });
		const sign = (query: string) =>
			crypto
				.createHmac('sha256', APP.secret)
				.update(`POST\n/apps/${APP.appId}/events\n${query}`)
				.digest('hex');
		const md5 = (text: string) => crypto.createHash('md5').update(text).digest('hex');
		const post = async (query: string, text: string) =>
			(
				await fetch(
					`http://127.0.0.1:${server.port}/apps/${APP.appId}/events?${query}&auth_signature=${sign(query)}`,
					{
						method: 'POST',
						headers: { 'content-type': 'application/json' },
						body: text,
					},
				)
			).status;
		const now = Math.floor(Date.now() / 1000);
		const query = (ts: number, text: string) =>
			`auth_key=${APP.key}&auth_timestamp=${ts}&auth_version=1.0&body_md5=${md5(text)}`;

		expect(await post(query(now, body), body)).toBe(200);
		expect(await post(query(now, body), body.replace('"E"', '"F"'))).toBe(401);
		expect(await post(query(now - 3600, body), body)).toBe(401);
		const big = JSON.stringify({ name: 'E', data: 'x'.repeat(20_000), channels: ['x'] });
		expect(await post(query(now, big), big)).toBe(413);

		const otherApp = new PusherSdk({
			appId: '999',
			key: APP.key,
			secret: APP.secret,
			host: '127.0.0.1',
			port: String(server.port),
			useTLS: false,
		});
		await expect(otherApp.trigger('x', 'E', {})).rejects.toMatchObject({ status: 404 });
	});
});

describe('test controls', () => {
	it('terminateAll drops sockets without a close frame; closeAll sends a close code', async () => {
		const a = client();
		await a.established();
		expect(server.terminateAll()).toBe(1);
		await until(() => a.closed !== undefined);
		expect(a.closed!.code).toBe(1006);

		for (const code of [4200, 4100, 4001]) {
			const c = client();
			await c.established();
			expect(server.closeAll(code, `code ${code}`)).toBe(1);
			await until(() => c.closed !== undefined);
			expect(c.closed).toEqual({ code, reason: `code ${code}` });
		}
		await server.waitForNoConnections();
	});

	it('closes every subscription right after it succeeds while flapping, and sends raw frames', async () => {
		server.closeAfterSubscribe({ code: 4200, reason: 'flapping', channel: 'flaps' });
		const flapping = client();
		await flapping.established();
		flapping.send({ event: 'pusher:subscribe', data: { channel: 'flaps' } });
		await flapping.next('pusher_internal:subscription_succeeded');
		await until(() => flapping.closed !== undefined);
		expect(flapping.closed).toEqual({ code: 4200, reason: 'flapping' });
		const other = client();
		await other.established();
		other.send({ event: 'pusher:subscribe', data: { channel: 'steady' } });
		await other.next('pusher_internal:subscription_succeeded');
		expect(server.sendRaw('{"event":"odd","data":"x"}')).toBe(1);
		await other.next('odd');
		expect(other.closed).toBeUndefined();
		server.closeAfterSubscribe(undefined);
		other.ws.close();
		await server.waitForNoConnections();
	});

	it('refuses new connections with a chosen code while set', async () => {
		server.refuseConnections({ code: 4003, message: 'Application is disabled' });
		const c = client();
		await until(() => c.closed !== undefined);
		expect(c.closed).toEqual({ code: 4003, reason: 'Application is disabled' });
		server.refuseConnections(undefined);
		await client().established();
	});

	it('stops and restarts on the same port (an outage)', async () => {
		const port = server.port;
		const a = client();
		await a.established();
		await server.stop();
		await until(() => a.closed !== undefined);
		const refused = await fetch(`http://127.0.0.1:${port}/`).then(
			() => false,
			() => true,
		);
		expect(refused).toBe(true);
		await server.start();
		expect(server.port).toBe(port);
		await client().established();
	});

	it('sends the configured activity timeout to new connections', async () => {
		server.setActivityTimeout(2);
		try {
			expect((await client().established()).activity_timeout).toBe(2);
		} finally {
			server.setActivityTimeout(7);
		}
	});

	it('offers the same controls over HTTP for scripts in another process', async () => {
		const c = client();
		await c.established();
		await c.subscribe('ctl');
		const base = `http://127.0.0.1:${server.port}/_test`;
		const state = (await (await fetch(`${base}/connections`)).json()) as {
			channels: object;
			connections: Array<{ channels: string[] }>;
		};
		expect(state.channels).toEqual({ ctl: 1 });
		expect(state.connections[0].channels).toEqual(['ctl']);
		expect(await (await fetch(`${base}/close?code=4100`, { method: 'POST' })).json()).toEqual({
			dropped: 1,
		});
		await until(() => c.closed !== undefined);
		expect(c.closed!.code).toBe(4100);
	});
});

describe('CLI', () => {
	it('prints its port as JSON and serves until SIGTERM', async () => {
		const script = path.join(__dirname, '..', '..', 'tools', 'transak', 'pusher-server.js');
		const child = spawn(
			process.execPath,
			[script, '--port', '0', '--key', 'cli-key', '--activity-timeout', '3'],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		try {
			const line = await new Promise<string>((resolve, reject) => {
				let out = '';
				child.stdout.on('data', (chunk: Buffer) => {
					out += chunk.toString();
					if (out.includes('\n')) resolve(out.split('\n')[0]);
				});
				child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
			});
			const info = JSON.parse(line) as { port: number; key: string };
			expect(info.port).toBeGreaterThan(0);
			expect(info.key).toBe('cli-key');
			const c = new RawClient(info.port, 'cli-key');
			clients.push(c);
			expect((await c.established()).activity_timeout).toBe(3);
			c.close();
		} finally {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await exited;
		}
	});
});
