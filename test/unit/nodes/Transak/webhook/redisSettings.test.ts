/** n8n's queue-mode Redis settings as the shared window reads them (nodes/Transak/webhook/redisSettings.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { sharedWindowSettings } from '../../../../../nodes/Transak/webhook/redisSettings';

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

	it('turns itself off for bad numbers and unreadable files, saying why without the path', () => {
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
