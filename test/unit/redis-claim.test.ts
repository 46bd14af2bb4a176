/**
 * The cross-process de-duplication of the Transak Trigger (nodes/shared/redisClaim.ts), against a
 * small RESP server on 127.0.0.1 that keeps keys with expiry like Redis and can misbehave on
 * demand (no answer, error replies, dropped connections, a password). The same module runs
 * against a real redis-server in `npm run test:queue` (test/queue/redis-claim.queue.test.ts).
 *
 * "Processes" are separate SharedDeliveryWindow instances (each has its own connection), and for
 * the node itself separate module registries (jest.isolateModules), as separate n8n processes have.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';

import fc from 'fast-check';
import type { IDataObject, IWebhookResponseData } from 'n8n-workflow';

import {
	closeSharedWindows,
	encodeCommand,
	parseReply,
	RedisReplyError,
	RespConnection,
	SharedDeliveryWindow,
	sharedDeliveryWindow,
	sharedWindowSettings,
	type Claim,
	type RedisSettings,
	type Reply,
} from '../../nodes/shared/redisClaim';
import { orderWebhookBody, sampleOrder } from '../support/fixtures';
import type { FakeResponse } from './support/n8n';
import { callWebhook } from './support/webhook';

// ---------------------------------------------------------------- a RESP server to test against

interface FakeRedisOptions {
	password?: string;
	username?: string;
	/** Serve TLS with this key and certificate. */
	tls?: { key: string; cert: string };
}

/** A self-signed certificate for localhost / 127.0.0.1, valid until 2126: for the TLS tests only. */
const TEST_TLS = {
	key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgU+Z4GgPRV3eWyVNS
vDQdOw6M8YeI9S51JERdBdYKm5uhRANCAASnhxyFHInBGcF8de9uWUSvsN7p1z+q
WL7DIm1oHQUfmFJc8c5wV9rwb8l3VGhBdSYUfybtOBy/elWjiYlq1jq1
-----END PRIVATE KEY-----`,
	cert: `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUXs6UgBhtxpZ+8DsFApjUMQqAQQswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzAxMDcxNVoYDzIxMjYxMDMw
MDEwNzE1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASnhxyFHInBGcF8de9uWUSvsN7p1z+qWL7DIm1oHQUfmFJc8c5wV9rw
b8l3VGhBdSYUfybtOBy/elWjiYlq1jq1o28wbTAdBgNVHQ4EFgQUESybFLor4Bzg
d918gnhM5tpsXBQwHwYDVR0jBBgwFoAUESybFLor4Bzgd918gnhM5tpsXBQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAL/ppJbCa5nOXDDpi/TLW2VQ3MXXQdw6EkiSTvxx/QwwAiEA
nxHbMLAn2K9ejvwRQ1AmxeLnJE/ZWgm5xMH04FEjTgw=
-----END CERTIFICATE-----`,
};

interface FakeRedis {
	port: number;
	/** Every command received, as arrays of strings, in order. */
	commands: string[][];
	connections: number;
	/** 'ok' answers; 'silent' never answers; 'error' answers every SET/GET with an error. */
	mode: 'ok' | 'silent' | 'error';
	get(db: number, key: string): string | undefined;
	keys(db: number): string[];
	dropAll(): void;
	close(): Promise<void>;
}

function encodeReply(value: Reply): string {
	if (value === null) return '$-1\r\n';
	if (value instanceof RedisReplyError) return `-${value.message}\r\n`;
	if (typeof value === 'number') return `:${value}\r\n`;
	if (Array.isArray(value)) return `*${value.length}\r\n${value.map(encodeReply).join('')}`;
	return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

async function startFakeRedis(options: FakeRedisOptions = {}): Promise<FakeRedis> {
	const dbs = new Map<number, Map<string, { value: string; expiresAt: number }>>();
	const sockets = new Set<net.Socket>();
	const store = (db: number) => {
		if (!dbs.has(db)) dbs.set(db, new Map());
		return dbs.get(db)!;
	};
	const live = (db: number, key: string) => {
		const entry = store(db).get(key);
		if (entry === undefined) return undefined;
		if (entry.expiresAt <= Date.now()) {
			store(db).delete(key);
			return undefined;
		}
		return entry;
	};
	const fake: FakeRedis = {
		port: 0,
		commands: [],
		connections: 0,
		mode: 'ok',
		get: (db, key) => live(db, key)?.value,
		keys: (db) => [...store(db).keys()].filter((key) => live(db, key) !== undefined),
		dropAll: () => {
			for (const socket of sockets) socket.destroy();
		},
		close: () =>
			new Promise<void>((resolve) => {
				fake.dropAll();
				server.close(() => resolve());
			}),
	};

	function execute(state: { db: number; authed: boolean }, args: string[]): Reply {
		const name = args[0].toUpperCase();
		if (name === 'AUTH') {
			const [user, pass] = args.length === 3 ? [args[1], args[2]] : ['default', args[1]];
			if (pass !== options.password || user !== (options.username ?? 'default')) {
				return new RedisReplyError('WRONGPASS invalid username-password pair or user is disabled.');
			}
			state.authed = true;
			return 'OK';
		}
		if (options.password !== undefined && !state.authed)
			return new RedisReplyError('NOAUTH Authentication required.');
		if (fake.mode === 'error' && name !== 'SELECT')
			return new RedisReplyError('ERR injected failure');
		switch (name) {
			case 'PING':
				return 'PONG';
			case 'SELECT':
				state.db = Number(args[1]);
				return 'OK';
			case 'GET':
				return live(state.db, args[1])?.value ?? null;
			case 'DEL':
				return store(state.db).delete(args[1]) ? 1 : 0;
			case 'SET': {
				const [, key, value, ...rest] = args;
				const flags = rest.map((f) => f.toUpperCase());
				const px = flags.indexOf('PX');
				const ttl = px >= 0 ? Number(rest[px + 1]) : Infinity;
				if (flags.includes('NX') && live(state.db, key) !== undefined) return null;
				if (flags.includes('XX') && live(state.db, key) === undefined) return null;
				store(state.db).set(key, { value, expiresAt: Date.now() + ttl });
				return 'OK';
			}
			default:
				return new RedisReplyError(`ERR unknown command '${args[0]}'`);
		}
	}

	const onSocket = (socket: net.Socket) => {
		fake.connections += 1;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		const state = { db: 0, authed: false };
		let buffer = Buffer.alloc(0);
		socket.on('data', (chunk) => {
			buffer = Buffer.concat([buffer, chunk]);
			for (;;) {
				const parsed = parseReply(buffer, 0);
				if (parsed === undefined) break;
				buffer = buffer.subarray(parsed.next);
				const args = parsed.value as string[];
				fake.commands.push(args);
				if (fake.mode === 'silent') continue;
				socket.write(encodeReply(execute(state, args)));
			}
		});
	};
	const server: net.Server = options.tls
		? tls.createServer(options.tls, onSocket)
		: net.createServer(onSocket);
	if (options.tls) server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	fake.port = (server.address() as net.AddressInfo).port;
	return fake;
}

function settingsFor(port: number, overrides: Partial<RedisSettings> = {}): RedisSettings {
	return {
		host: '127.0.0.1',
		port,
		db: 0,
		tls: false,
		rejectUnauthorized: true,
		prefix: 'bull',
		timeoutMs: 1000,
		...overrides,
	};
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: SharedDeliveryWindow[] = [];
function windowFor(
	settings: RedisSettings,
	options = {},
	report: (m: string) => void = () => undefined,
) {
	const window = new SharedDeliveryWindow(settings, { pollMs: 5, ...options }, report);
	opened.push(window);
	return window;
}

afterEach(() => {
	for (const window of opened.splice(0)) window.close();
	closeSharedWindows();
});

// ---------------------------------------------------------------- settings

describe("n8n's queue-mode Redis settings", () => {
	it('is off outside queue mode', () => {
		expect(sharedWindowSettings({})).toEqual({
			enabled: false,
			reason: 'n8n is not in queue mode',
		});
		expect(
			sharedWindowSettings({ EXECUTIONS_MODE: 'regular', QUEUE_BULL_REDIS_HOST: 'redis' }).enabled,
		).toBe(false);
	});

	it("uses n8n's defaults in queue mode", () => {
		expect(sharedWindowSettings({ EXECUTIONS_MODE: 'queue' })).toEqual({
			enabled: true,
			redis: expect.objectContaining({
				host: 'localhost',
				port: 6379,
				db: 0,
				tls: false,
				rejectUnauthorized: true,
				prefix: 'bull',
				username: undefined,
				password: undefined,
			}),
		});
	});

	it('reads every variable n8n reads, and <NAME>_FILE like n8n', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-claim-'));
		const file = path.join(dir, 'password');
		fs.writeFileSync(file, 's3cret-from-file\n');
		const settings = sharedWindowSettings({
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: 'redis.internal',
			QUEUE_BULL_REDIS_PORT: '6380',
			QUEUE_BULL_REDIS_DB: '3',
			QUEUE_BULL_REDIS_USERNAME: 'n8n',
			QUEUE_BULL_REDIS_PASSWORD_FILE: file,
			QUEUE_BULL_REDIS_TLS: 'true',
			QUEUE_BULL_REDIS_TLS_SERVERNAME: 'redis.example',
			QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: 'false',
			QUEUE_BULL_PREFIX: 'prod',
		});
		fs.rmSync(dir, { recursive: true, force: true });
		expect(settings).toEqual({
			enabled: true,
			redis: {
				host: 'redis.internal',
				port: 6380,
				db: 3,
				username: 'n8n',
				password: 's3cret-from-file',
				tls: true,
				tlsServername: 'redis.example',
				rejectUnauthorized: false,
				prefix: 'prod',
				timeoutMs: expect.any(Number),
			},
		});
	});

	it('turns itself off for cluster mode, bad numbers and unreadable files, saying why', () => {
		const cluster = sharedWindowSettings({
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:6379,b:6379',
		});
		expect(cluster).toEqual({ enabled: false, reason: expect.stringContaining('cluster') });
		expect(
			sharedWindowSettings({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: 'abc' }).enabled,
		).toBe(false);
		expect(
			sharedWindowSettings({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_DB: '-1' }).enabled,
		).toBe(false);
		const missing = sharedWindowSettings({
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_PASSWORD_FILE: '/nonexistent/secret',
		});
		expect(missing).toEqual({ enabled: false, reason: expect.stringContaining('ENOENT') });
		expect(JSON.stringify(missing)).not.toContain('/nonexistent/secret');
	});
});

// ---------------------------------------------------------------- RESP

describe('RESP encoding and parsing', () => {
	it('encodes commands as arrays of bulk strings (binary-safe lengths)', () => {
		expect(encodeCommand(['SET', 'k', 'välue']).toString()).toBe(
			'*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nvälue\r\n',
		);
	});

	it('parses every RESP2 reply type', () => {
		const all = Buffer.from(
			'+OK\r\n-ERR no\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n$0\r\n\r\n',
		);
		const values: Reply[] = [];
		let offset = 0;
		for (;;) {
			const parsed = parseReply(all, offset);
			if (parsed === undefined) break;
			values.push(parsed.value);
			offset = parsed.next;
		}
		expect(offset).toBe(all.length);
		expect(values).toEqual([
			'OK',
			new RedisReplyError('ERR no'),
			42,
			'hello',
			null,
			['a', [1]],
			null,
			'',
		]);
	});

	it('waits for the rest of a reply cut anywhere, and then reads it whole', () => {
		const arbitraryReply: fc.Arbitrary<Reply> = fc.letrec((tie) => ({
			reply: fc.oneof(
				{ depthSize: 'small' },
				fc.string().filter((s) => !s.includes('\r') && !s.includes('\n')),
				fc.integer(),
				fc.constant(null),
				fc.array(tie('reply'), { maxLength: 4 }),
			),
		})).reply as fc.Arbitrary<Reply>;
		fc.assert(
			fc.property(arbitraryReply, (value) => {
				const bytes = Buffer.from(encodeReply(value));
				for (let cut = 0; cut < bytes.length; cut += 1) {
					expect(parseReply(bytes.subarray(0, cut), 0)).toBeUndefined();
				}
				expect(parseReply(bytes, 0)).toEqual({ value, next: bytes.length });
			}),
			{ numRuns: 300 },
		);
	});

	it('rejects bytes that are not RESP', () => {
		expect(() => parseReply(Buffer.from('hello\r\n'), 0)).toThrow();
		expect(() => parseReply(Buffer.from('$3\r\nabcd\r\n'), 0)).toThrow();
		expect(() => parseReply(Buffer.from(':x\r\n'), 0)).toThrow();
		expect(() => parseReply(Buffer.from('*-5\r\n'), 0)).toThrow();
	});
});

describe('RespConnection', () => {
	let fake: FakeRedis;
	beforeEach(async () => {
		fake = await startFakeRedis({ password: 'pw-123456', username: 'n8n' });
	});
	afterEach(async () => fake.close());

	it('authenticates with username and password, selects the database, pipelines commands', async () => {
		const connection = await RespConnection.open(
			settingsFor(fake.port, { username: 'n8n', password: 'pw-123456', db: 4 }),
		);
		const replies = await Promise.all([
			connection.command(['SET', 'a', '1']),
			connection.command(['GET', 'a']),
			connection.command(['GET', 'missing']),
			connection.command(['DEL', 'a']),
		]);
		connection.close();
		expect(replies).toEqual(['OK', '1', null, 1]);
		expect(fake.commands.slice(0, 2)).toEqual([
			['AUTH', 'n8n', 'pw-123456'],
			['SELECT', '4'],
		]);
	});

	it('fails the handshake on a wrong password', async () => {
		await expect(
			RespConnection.open(settingsFor(fake.port, { username: 'n8n', password: 'wrong-password' })),
		).rejects.toThrow('WRONGPASS');
	});

	it('turns an error reply into a rejected command and keeps the connection', async () => {
		const connection = await RespConnection.open(
			settingsFor(fake.port, { username: 'n8n', password: 'pw-123456' }),
		);
		await expect(connection.command(['NOPE'])).rejects.toThrow("unknown command 'NOPE'");
		expect(await connection.command(['PING'])).toBe('PONG');
		connection.close();
	});

	it('times out a command that gets no reply, and fails every waiting command with it', async () => {
		const connection = await RespConnection.open(
			settingsFor(fake.port, { username: 'n8n', password: 'pw-123456', timeoutMs: 150 }),
		);
		fake.mode = 'silent';
		const started = Date.now();
		const results = await Promise.allSettled([
			connection.command(['GET', 'a']),
			connection.command(['GET', 'b']),
		]);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
		expect(connection.usable).toBe(false);
		await expect(connection.command(['PING'])).rejects.toThrow();
	});

	it('times out a connection attempt that gets no handshake answer', async () => {
		fake.mode = 'silent';
		await expect(
			RespConnection.open(settingsFor(fake.port, { password: 'x-123456', timeoutMs: 150 })),
		).rejects.toThrow(/within 150 ms/);
	});
});

// ---------------------------------------------------------------- the shared window

describe('SharedDeliveryWindow against a RESP server', () => {
	let fake: FakeRedis;
	beforeEach(async () => {
		fake = await startFakeRedis({ password: 'pw-abcdef' });
	});
	afterEach(async () => fake.close());
	const settings = () =>
		settingsFor(fake.port, { password: 'pw-abcdef', db: 2, prefix: 'transak-test' });

	it('names keys <prefix>:transak:dedupe:<workflow>:<node>:<digest>, with a bounded length', () => {
		const window = windowFor(settings());
		const key = window.keyFor(
			'wf-1',
			'node-1',
			`ORDER_COMPLETED\u0000${'x'.repeat(10_000)}\u0000COMPLETED`,
		);
		expect(key).toMatch(/^transak-test:transak:dedupe:wf-1:node-1:[0-9a-f]{40}$/);
		expect(window.keyFor('wf-1', 'node-1', 'a')).not.toBe(window.keyFor('wf-1', 'node-1', 'b'));
		expect(window.keyFor('wf/1 x', 'n:1', 'a')).toContain(':wf%2F1%20x:n%3A1:');
	});

	it('claims once; a copy finding the claim confirmed is a duplicate for the window, then free again', async () => {
		const a = windowFor(settings());
		const b = windowFor(settings());
		const first = await a.claim('k1', 300);
		expect(first.kind).toBe('claimed');
		await (first as Extract<Claim, { kind: 'claimed' }>).settle(true);
		expect(fake.get(2, 'k1')).toBe('done');
		expect((await b.claim('k1', 300)).kind).toBe('duplicate');
		await sleep(350);
		expect((await b.claim('k1', 300)).kind).toBe('claimed');
	});

	it('a copy waits while the first is being handed off, and is a duplicate once it was', async () => {
		const a = windowFor(settings());
		const b = windowFor(settings());
		const first = (await a.claim('k2', 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		expect(fake.get(2, 'k2')).toMatch(/^pending:/);
		const copy = b.claim('k2', 60_000);
		await sleep(60);
		await first.settle(true);
		expect((await copy).kind).toBe('duplicate');
		expect(b.stats.waited).toBe(1);
	});

	it('a copy waiting for a hand-off that failed takes over, so the event is not lost', async () => {
		const a = windowFor(settings());
		const b = windowFor(settings());
		const first = (await a.claim('k3', 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		const copy = b.claim('k3', 60_000);
		await sleep(60);
		await first.settle(false);
		expect((await copy).kind).toBe('claimed');
		expect(a.stats.released).toBe(1);
	});

	it('a released claim lets a later retry start the workflow', async () => {
		const a = windowFor(settings());
		const first = (await a.claim('k4', 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		await first.settle(false);
		expect(fake.get(2, 'k4')).toBeUndefined();
		expect((await a.claim('k4', 60_000)).kind).toBe('claimed');
	});

	it('a release never deletes a claim that is no longer its own', async () => {
		const a = windowFor(settings(), { pendingMs: 100 });
		const b = windowFor(settings());
		const first = (await a.claim('k5', 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		await sleep(150); // a's claim expired (an owner that took too long)
		const second = (await b.claim('k5', 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		expect(second.kind).toBe('claimed');
		await first.settle(false);
		expect(fake.get(2, 'k5')).toMatch(/^pending:/);
		await second.settle(true);
		expect(fake.get(2, 'k5')).toBe('done');
	});

	it('an owner that never reports (crashed): copies accept after the wait, and the claim expires', async () => {
		const a = windowFor(settings(), { pendingMs: 400 });
		const b = windowFor(settings(), { waitMs: 150 });
		expect((await a.claim('k6', 60_000)).kind).toBe('claimed');
		const started = Date.now();
		expect((await b.claim('k6', 60_000)).kind).toBe('undecided');
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		await sleep(450);
		expect((await b.claim('k6', 60_000)).kind).toBe('claimed');
	});

	it('of many processes claiming one delivery at once, exactly one owns it; the others are duplicates', async () => {
		const processes = Array.from({ length: 20 }, () => windowFor(settings()));
		for (let round = 0; round < 10; round += 1) {
			const claims = await Promise.all(
				processes.map(async (window) => {
					const claim = await window.claim(`many-${round}`, 60_000);
					// Every owner hands off at once, as n8n answers within milliseconds.
					if (claim.kind === 'claimed') await claim.settle(true);
					return claim.kind;
				}),
			);
			expect(claims.filter((kind) => kind === 'claimed')).toHaveLength(1);
			expect(claims.filter((kind) => kind === 'duplicate')).toHaveLength(19);
		}
	});

	it('uses one connection per process for many claims, and SELECTs the database once', async () => {
		const window = windowFor(settings());
		await Promise.all(Array.from({ length: 100 }, (_, i) => window.claim(`pool-${i}`, 60_000)));
		expect(fake.connections).toBe(1);
		expect(fake.commands.filter((c) => c[0] === 'SELECT')).toEqual([['SELECT', '2']]);
		expect(fake.keys(2)).toHaveLength(100);
	});

	it('reconnects after the connection dropped', async () => {
		const window = windowFor(settings(), { retryAfterMs: 0 });
		expect((await window.claim('r1', 60_000)).kind).toBe('claimed');
		fake.dropAll();
		await sleep(50);
		expect((await window.claim('r2', 60_000)).kind).toBe('claimed');
		expect(fake.connections).toBe(2);
	});
});

describe('SharedDeliveryWindow when Redis cannot be used', () => {
	it('Redis not listening: unavailable at once, reported once per outage, Redis left alone for a while', async () => {
		const reports: string[] = [];
		const window = windowFor(
			settingsFor(await closedPort(), { password: 'very-secret-password' }),
			{ retryAfterMs: 300 },
			(m) => reports.push(m),
		);
		const kinds: string[] = [];
		for (let i = 0; i < 5; i += 1) kinds.push((await window.claim(`d${i}`, 60_000)).kind);
		expect(kinds).toEqual(Array(5).fill('unavailable'));
		expect(window.stats.errors).toBe(1); // the other four did not even try
		expect(reports).toHaveLength(1);
		expect(reports[0]).toContain('ECONNREFUSED');
		expect(reports[0]).not.toContain('very-secret-password');
	});

	it('a wrong password: unavailable, and the report names the problem without the password', async () => {
		const fake = await startFakeRedis({ password: 'right-password' });
		const reports: string[] = [];
		const window = windowFor(settingsFor(fake.port, { password: 'wrong-password-xyz' }), {}, (m) =>
			reports.push(m),
		);
		expect((await window.claim('w', 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toContain('WRONGPASS');
		expect(reports.join('\n')).not.toContain('wrong-password-xyz');
		expect(reports.join('\n')).not.toContain('right-password');
		await fake.close();
	});

	it('no answer within the timeout: unavailable after about the timeout', async () => {
		const fake = await startFakeRedis();
		const window = windowFor(settingsFor(fake.port, { timeoutMs: 200 }));
		expect((await window.claim('t0', 60_000)).kind).toBe('claimed');
		fake.mode = 'silent';
		const started = Date.now();
		expect((await window.claim('t1', 60_000)).kind).toBe('unavailable');
		expect(Date.now() - started).toBeLessThan(1500);
		await fake.close();
	});

	it('error replies: unavailable; once Redis answers again, claims work and that is reported', async () => {
		const fake = await startFakeRedis();
		const reports: string[] = [];
		const window = windowFor(settingsFor(fake.port), { retryAfterMs: 100 }, (m) => reports.push(m));
		fake.mode = 'error';
		expect((await window.claim('e1', 60_000)).kind).toBe('unavailable');
		fake.mode = 'ok';
		await sleep(150);
		expect((await window.claim('e2', 60_000)).kind).toBe('claimed');
		expect(reports).toEqual([
			expect.stringContaining('ERR injected failure'),
			expect.stringContaining('answers again'),
		]);
		await fake.close();
	});

	it('TLS (QUEUE_BULL_REDIS_TLS): works over node:tls; a certificate that does not validate means unavailable', async () => {
		const fake = await startFakeRedis({ password: 'tls-password', tls: TEST_TLS });
		const reports: string[] = [];
		const unchecked = windowFor(
			settingsFor(fake.port, { password: 'tls-password', tls: true, rejectUnauthorized: false }),
		);
		const claim = await unchecked.claim('tls-1', 60_000);
		expect(claim.kind).toBe('claimed');
		expect(fake.commands[0]).toEqual(['AUTH', 'tls-password']);
		// Validation on (n8n's default) and a self-signed certificate: refused, so deliveries are accepted.
		const checked = windowFor(
			settingsFor(fake.port, { password: 'tls-password', tls: true }),
			{},
			(m) => reports.push(m),
		);
		expect((await checked.claim('tls-2', 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toMatch(
			/rediss:\/\/127\.0\.0\.1:\d+\/0.*(SELF_SIGNED|self.signed)/i,
		);
		expect(reports.join('\n')).not.toContain('tls-password');
		await fake.close();
	});

	it('sharedDeliveryWindow: nothing outside queue mode; an unsupported setup is reported once; one window per Redis', () => {
		const reports: string[] = [];
		const report = (m: string) => reports.push(m);
		expect(sharedDeliveryWindow(report, {})).toBeUndefined();
		expect(reports).toEqual([]);
		const cluster = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:1' };
		expect(sharedDeliveryWindow(report, cluster)).toBeUndefined();
		expect(sharedDeliveryWindow(report, cluster)).toBeUndefined();
		expect(reports).toEqual([expect.stringContaining('cluster')]);
		const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: '1' };
		expect(sharedDeliveryWindow(report, env)).toBe(sharedDeliveryWindow(report, env));
		expect(sharedDeliveryWindow(report, { ...env, QUEUE_BULL_REDIS_DB: '1' })).not.toBe(
			sharedDeliveryWindow(report, env),
		);
	});
});

// ---------------------------------------------------------------- the node, as separate processes

const ACCESS_TOKEN = 'redis-claim-access-token-0123456789';
const REDIS_ENV = [
	'EXECUTIONS_MODE',
	'QUEUE_BULL_REDIS_HOST',
	'QUEUE_BULL_REDIS_PORT',
	'QUEUE_BULL_REDIS_PASSWORD',
	'QUEUE_BULL_REDIS_DB',
	'QUEUE_BULL_PREFIX',
];

type TriggerModule = typeof import('../../nodes/Transak/TransakTrigger.node');

/** A fresh copy of the node's modules: its own in-process window and Redis connection, like an n8n process. */
function nodeProcess(): TriggerModule {
	let loaded: TriggerModule | undefined;
	jest.isolateModules(() => {
		loaded = require('../../nodes/Transak/TransakTrigger.node') as TriggerModule;
	});
	return loaded!;
}

interface Delivery {
	result: IWebhookResponseData;
	response: FakeResponse;
	logs: string[];
}

async function deliver(
	proc: TriggerModule,
	body: unknown,
	workflowId: string,
	options: Record<string, unknown> = {},
): Promise<Delivery> {
	const answer = await callWebhook({
		node: proc.TransakTrigger,
		body,
		workflowId,
		options: options as IDataObject,
		credentials: { apiKey: 'k', accessToken: ACCESS_TOKEN, apiSecret: '' },
		// The test plays n8n's answer itself.
		n8nAnswers: false,
	});
	const logs = answer.logs.map((line) => `${line.level} ${line.message}`);
	return { result: answer.result, response: answer.response, logs };
}

const started = (d: Delivery) => d.result.workflowData !== undefined;
let workflowCounter = 0;
const freshWorkflow = () => `wf-claim-${++workflowCounter}-${Date.now()}`;

describe('Transak Trigger in queue mode, one delivery reaching several webhook processes', () => {
	let fake: FakeRedis;
	const saved: Record<string, string | undefined> = {};
	beforeAll(async () => {
		fake = await startFakeRedis({ password: 'queue-redis-password' });
		for (const name of REDIS_ENV) saved[name] = process.env[name];
		Object.assign(process.env, {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(fake.port),
			QUEUE_BULL_REDIS_PASSWORD: 'queue-redis-password',
			QUEUE_BULL_REDIS_DB: '1',
			QUEUE_BULL_PREFIX: 'q-test',
		});
	});
	afterAll(async () => {
		for (const name of REDIS_ENV) {
			if (saved[name] === undefined) delete process.env[name];
			else process.env[name] = saved[name];
		}
		await fake.close();
	});

	it('sent to two processes at once: one execution; the copy is acknowledged once the first is queued', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
		let queuedAt = 0;
		// n8n queues an execution a moment after webhook() returned it, then answers 200.
		const deliverAndQueue = async (proc: TriggerModule) => {
			const d = await deliver(proc, body, workflowId);
			if (started(d)) {
				setTimeout(() => {
					queuedAt = Date.now();
					d.response.n8nAnswers(200);
				}, 50);
			}
			return { d, answeredAt: Date.now() };
		};
		const both = await Promise.all([deliverAndQueue(a), deliverAndQueue(b)]);
		const owner = both.find((x) => started(x.d))!;
		const other = both.find((x) => x !== owner)!;
		expect(started(other.d)).toBe(false);
		expect(other.d.response.statusCode).toBe(200);
		expect(other.answeredAt).toBeGreaterThanOrEqual(queuedAt);
		await sleep(30);
		expect(fake.keys(1)).toEqual([
			expect.stringMatching(
				new RegExp(`^q-test:transak:dedupe:${workflowId}:node-1:[0-9a-f]{40}$`),
			),
		]);
		expect(fake.get(1, fake.keys(1)[0])).toBe('done');
		// A retry later, to either process, or to a process started since (empty memory), is a repeat.
		expect(started(await deliver(a, body, workflowId))).toBe(false);
		expect(started(await deliver(b, body, workflowId))).toBe(false);
		expect(started(await deliver(nodeProcess(), body, workflowId))).toBe(false);
	});

	it('the copy waits while the first is being queued, and takes over if n8n could not queue it', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
		const first = await deliver(a, body, workflowId);
		expect(started(first)).toBe(true);
		let copyDone = false;
		const copy = deliver(b, body, workflowId).then((d) => {
			copyDone = true;
			return d;
		});
		await sleep(80);
		expect(copyDone).toBe(false); // not acknowledged while the first could still fail
		first.response.n8nAnswers(500); // e.g. the queue was unreachable: n8n answers 500
		const second = await copy;
		expect(started(second)).toBe(true);
		second.response.n8nAnswers(200);
		await sleep(30);
		expect(started(await deliver(a, body, workflowId))).toBe(false);
	});

	it('after a failed hand-off, a retry to the same process starts the workflow (no loss in one process either)', async () => {
		const a = nodeProcess();
		const workflowId = freshWorkflow();
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
		const first = await deliver(a, body, workflowId);
		first.response.n8nAnswers(503);
		await sleep(30);
		const retry = await deliver(a, body, workflowId);
		expect(started(retry)).toBe(true);
		retry.response.n8nAnswers(200);
		await sleep(30);
		expect(started(await deliver(a, body, workflowId))).toBe(false);
	});

	it('many copies over three processes, many deliveries: exactly one execution each', async () => {
		const processes = [nodeProcess(), nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const bodies = Array.from({ length: 30 }, () =>
			orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: `o-${Math.random()}` }), ACCESS_TOKEN),
		);
		const deliveries = await Promise.all(
			bodies.flatMap((body) =>
				[0, 1, 2, 0, 1].map(async (p) => {
					const d = await deliver(processes[p], body, workflowId);
					if (started(d)) setTimeout(() => d.response.n8nAnswers(200), 5);
					return d;
				}),
			),
		);
		expect(deliveries.filter(started)).toHaveLength(30);
		expect(deliveries.every((d) => d.response.statusCode === 200)).toBe(true);
	});

	it('the option off: each process keeps its own window (the behaviour before), Redis untouched', async () => {
		const [a, b] = [nodeProcess(), nodeProcess()];
		const workflowId = freshWorkflow();
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
		const options = { shareDeduplicationWindow: false };
		const before = fake.commands.length;
		const both = await Promise.all([
			deliver(a, body, workflowId, options),
			deliver(b, body, workflowId, options),
		]);
		expect(both.filter(started)).toHaveLength(2);
		expect(fake.commands.length).toBe(before);
	});

	it('Redis down: every process accepts (nothing lost), and says so once, without the password', async () => {
		const down = await closedPort();
		process.env.QUEUE_BULL_REDIS_PORT = String(down);
		try {
			const [a, b] = [nodeProcess(), nodeProcess()];
			const workflowId = freshWorkflow();
			const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
			const results = await Promise.all([
				deliver(a, body, workflowId),
				deliver(b, body, workflowId),
			]);
			expect(results.filter(started)).toHaveLength(2);
			const other = await deliver(
				a,
				orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: 'another' }), ACCESS_TOKEN),
				workflowId,
			);
			expect(started(other)).toBe(true);
			const logs = [...results.flatMap((r) => r.logs), ...other.logs];
			expect(logs.filter((line) => line.startsWith('warn'))).toHaveLength(2); // one per process
			expect(logs.join('\n')).toContain('ECONNREFUSED');
			expect(logs.join('\n')).not.toContain('queue-redis-password');
		} finally {
			process.env.QUEUE_BULL_REDIS_PORT = String(fake.port);
		}
	});
});

describe('Transak Trigger outside queue mode', () => {
	it('never touches Redis, and a retry after a failed hand-off starts the workflow', async () => {
		expect(process.env.EXECUTIONS_MODE).not.toBe('queue');
		const a = nodeProcess();
		const workflowId = freshWorkflow();
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
		const first = await deliver(a, body, workflowId);
		expect(started(first)).toBe(true);
		const copy = deliver(a, body, workflowId);
		await sleep(30);
		first.response.n8nAnswers(500);
		const second = await copy;
		expect(started(second)).toBe(true);
		second.response.n8nAnswers(200);
		await sleep(10);
		expect(started(await deliver(a, body, workflowId))).toBe(false);
	});
});
