/** n8n's queue-mode Redis settings as the shared window reads them (nodes/Transak/queue/redisSettings.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import 'reflect-metadata';
import { GlobalConfig } from '@n8n/config';
// n8n's configuration registers its services with its own copy of @n8n/di.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require(
	require.resolve('@n8n/di', {
		paths: [require.resolve('@n8n/config')],
	}),
) as typeof import('@n8n/di');

import { sharedWindowSettings } from '../../../../../nodes/Transak/queue/redisSettings';

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
				clusterNodes: [],
				db: 0,
				tls: false,
				rejectUnauthorized: true,
				dualStack: false,
				prefix: 'bull',
				username: undefined,
				password: undefined,
			}),
		});
	});

	it('reads every variable n8n reads (TLS, username, password, database), and <NAME>_FILE like n8n', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-window-'));
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
			QUEUE_BULL_REDIS_DUALSTACK: 'true',
			QUEUE_BULL_PREFIX: 'prod',
		});
		fs.rmSync(dir, { recursive: true, force: true });
		expect(settings).toEqual({
			enabled: true,
			redis: {
				host: 'redis.internal',
				port: 6380,
				clusterNodes: [],
				db: 3,
				username: 'n8n',
				password: 's3cret-from-file',
				tls: true,
				tlsServername: 'redis.example',
				rejectUnauthorized: false,
				dualStack: true,
				dnsLookup: 'lookup',
				prefix: 'prod',
				timeoutMs: expect.any(Number),
			},
		});
	});

	it('reads Redis Cluster nodes (QUEUE_BULL_REDIS_CLUSTER_NODES) as n8n does: host:port,host:port', () => {
		const settings = sharedWindowSettings({
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_CLUSTER_NODES: 'redis-a:7000, redis-b:7001,,10.0.0.3:7002',
			QUEUE_BULL_REDIS_PASSWORD: 'cluster-password',
		});
		expect(settings).toEqual({
			enabled: true,
			redis: expect.objectContaining({
				clusterNodes: [
					{ host: 'redis-a', port: 7000 },
					{ host: 'redis-b', port: 7001 },
					{ host: '10.0.0.3', port: 7002 },
				],
				password: 'cluster-password',
			}),
		});
		for (const bad of ['redis-a', 'redis-a:', ':7000', 'redis-a:70000', 'a:1,b:x'])
			expect(
				sharedWindowSettings({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_CLUSTER_NODES: bad }),
			).toEqual({ enabled: false, reason: expect.stringContaining('CLUSTER_NODES') });
	});

	it('turns itself off for out-of-range numbers and unreadable files, saying why without the path', () => {
		expect(
			sharedWindowSettings({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: '70000' }).enabled,
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

	describe("reads each value exactly as n8n's own configuration (@n8n/config) does", () => {
		// n8n's configuration reads process.env; each case sets it, builds n8n's GlobalConfig afresh
		// and compares what n8n would connect with to what the package connects with.
		const saved = { ...process.env };
		afterEach(() => {
			for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
			Object.assign(process.env, saved);
		});
		function n8nReads(env: Record<string, string>) {
			for (const name of Object.keys(process.env))
				if (name.startsWith('QUEUE_BULL_') || name === 'EXECUTIONS_MODE') delete process.env[name];
			Object.assign(process.env, env);
			const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
			try {
				Container.reset();
				const config = Container.get(GlobalConfig);
				const redis = config.queue.bull.redis;
				return {
					queue: config.executions.mode === 'queue',
					host: redis.host,
					port: redis.port,
					db: redis.db,
					username: redis.username || undefined,
					password: redis.password || undefined,
					tls: redis.tls,
					tlsServername: redis.tlsConfig.serverName || undefined,
					rejectUnauthorized: redis.tlsConfig.rejectUnauthorized,
					dualStack: redis.dualStack,
					dnsLookup: redis.dnsResolveStrategy === 'NONE' ? 'none' : 'lookup',
					prefix: config.queue.bull.prefix,
				};
			} finally {
				warn.mockRestore();
			}
		}
		function packageReads(env: Record<string, string>) {
			const settings = sharedWindowSettings({ ...env });
			if (!settings.enabled) return { queue: false };
			const { clusterNodes: _nodes, timeoutMs: _timeout, ...redis } = settings.redis;
			return { queue: true, ...redis };
		}

		const booleans = [
			'true',
			'TRUE',
			'True',
			'1',
			'false',
			'FALSE',
			'0',
			'',
			' true',
			'"true"',
			"'1'",
			'yes',
			'on',
			'no',
			'2',
			'true ',
		];
		it.each(booleans)('QUEUE_BULL_REDIS_TLS=%j', (value) => {
			const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_TLS: value };
			expect(packageReads(env)).toEqual(n8nReads(env));
		});
		it.each(booleans)('QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE=%j', (value) => {
			const env = {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_TLS: '1',
				QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: value,
			};
			expect(packageReads(env)).toEqual(n8nReads(env));
		});
		it.each(booleans)('QUEUE_BULL_REDIS_DUALSTACK=%j', (value) => {
			const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_DUALSTACK: value };
			expect(packageReads(env)).toEqual(n8nReads(env));
		});
		it.each(['queue', ' queue ', '"queue"', "'queue'", 'QUEUE', 'regular', '', 'queue2'])(
			'EXECUTIONS_MODE=%j',
			(value) => {
				const env = { EXECUTIONS_MODE: value };
				expect(packageReads(env).queue).toBe(n8nReads(env).queue);
			},
		);
		it.each(['6380', ' 6380 ', '"6380"', '', 'abc', '0x18EC', '6380abc'])(
			'QUEUE_BULL_REDIS_PORT=%j',
			(value) => {
				const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: value };
				expect(packageReads(env)).toEqual(n8nReads(env));
			},
		);
		it.each([
			['QUEUE_BULL_REDIS_HOST', ' "redis.internal" '],
			['QUEUE_BULL_REDIS_HOST', "'redis.internal'"],
			['QUEUE_BULL_REDIS_PASSWORD', '"pass word"'],
			['QUEUE_BULL_REDIS_USERNAME', ' n8n '],
			['QUEUE_BULL_REDIS_TLS_SERVERNAME', '"redis.example"'],
			['QUEUE_BULL_REDIS_DB', ' 3 '],
			['QUEUE_BULL_REDIS_DB', '"3"'],
			['QUEUE_BULL_PREFIX', ' "prod" '],
			['QUEUE_BULL_REDIS_DNS_LOOKUP_STRATEGY', 'NONE'],
			['QUEUE_BULL_REDIS_DNS_LOOKUP_STRATEGY', '"NONE"'],
		])('%s=%j', (name, value) => {
			const env = { EXECUTIONS_MODE: 'queue', [name]: value };
			expect(packageReads(env)).toEqual(n8nReads(env));
		});
		it('a file-read password is trimmed, and an empty variable wins over its _FILE, as in n8n', () => {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-window-'));
			const file = path.join(dir, 'password');
			fs.writeFileSync(file, '  s3cret \n');
			try {
				for (const env of <Array<Record<string, string>>>[
					{ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PASSWORD_FILE: file },
					{
						EXECUTIONS_MODE: 'queue',
						QUEUE_BULL_REDIS_PASSWORD: '',
						QUEUE_BULL_REDIS_PASSWORD_FILE: file,
					},
				])
					expect(packageReads(env)).toEqual(n8nReads(env));
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});
	});
});
