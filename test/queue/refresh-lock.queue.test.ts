/**
 * One token refresh across processes (nodes/Transak/queue/refreshLock.ts) on real redis-server:
 * the queue cluster's own (password, database 1, n8n's prefix) and a three-master Redis Cluster
 * started here. "Processes" are separate copies of the module, each with its own connection, as
 * separate n8n processes have. The same lock through real n8n workers is in
 * token-rotation.queue.test.ts.
 */
import type Redis from 'ioredis';

import type * as RefreshLock from '../../nodes/Transak/queue/refreshLock';
import { startRedis } from '../../tools/services';
import { queueRedisEnv, sleep, uniqueId } from '../support/real-n8n';
import { disconnectRedisClients } from '../support/tracked-ioredis';

// Every connection the copies open is closed after the suite (see tracked-ioredis).
jest.mock('ioredis', () => jest.requireActual('../support/tracked-ioredis'));

type Env = Record<string, string>;
type Server = Awaited<ReturnType<typeof startRedis>>;

/** n8n's queue-mode settings of the cluster's Redis. */
const clusterEnv: Env = queueRedisEnv();

const servers: Server[] = [];
const admins: Redis[] = [];

afterAll(async () => {
	disconnectRedisClients();
	for (const admin of admins) admin.disconnect();
	for (const server of servers) await server.stop();
});

/** A fresh copy of the module: one n8n process. */
function processCopy(): typeof RefreshLock {
	let copy!: typeof RefreshLock;
	jest.isolateModules(() => {
		copy = jest.requireActual('../../nodes/Transak/queue/refreshLock');
	});
	return copy;
}

/** 40 refreshes of one refused token, at once, spread over two processes. */
async function fortyAtOnce(env: Env) {
	const scope = { digest: uniqueId('digest'), apiKey: 'queue-key', apiSecret: 'queue-secret' };
	let calls = 0;
	const refresh = async () => {
		calls += 1;
		await sleep(100);
		return { token: `fresh-token-${calls}`, until: Date.now() + 3_600_000 };
	};
	const copies = [processCopy(), processCopy()];
	const results = await Promise.all(
		Array.from({ length: 40 }, (_, i) =>
			copies[i % 2].refreshOnceAcrossProcesses(scope, refresh, env),
		),
	);
	return { calls, tokens: new Set(results.map((r) => r.token)) };
}

test("the queue cluster's Redis: 40 refreshes at once in two processes, Transak refreshes once", async () => {
	const { calls, tokens } = await fortyAtOnce(clusterEnv);
	expect(calls).toBe(1);
	expect(tokens).toEqual(new Set(['fresh-token-1']));
});

test('a three-master Redis Cluster (QUEUE_BULL_REDIS_CLUSTER_NODES): the same, one refresh', async () => {
	const password = 'cluster-pw-3';
	const nodes: Server[] = [];
	for (let i = 0; i < 3; i += 1) {
		const node = await startRedis({
			password,
			config: ['cluster-enabled yes', 'cluster-announce-ip 127.0.0.1', `masterauth ${password}`],
		});
		servers.push(node);
		nodes.push(node);
	}
	const { default: IORedis } = jest.requireActual<typeof import('ioredis')>('ioredis');
	const admin = nodes.map((node) => {
		const client = new IORedis({ host: '127.0.0.1', port: node.port, password });
		admins.push(client);
		return client;
	});
	const ranges = [
		[0, 5460],
		[5461, 10922],
		[10923, 16383],
	];
	for (const [i, [from, to]] of ranges.entries())
		await admin[i].call('CLUSTER', 'ADDSLOTSRANGE', String(from), String(to));
	for (const node of nodes.slice(1))
		await admin[0].call('CLUSTER', 'MEET', '127.0.0.1', String(node.port));
	for (let i = 0; ; i += 1) {
		const states = await Promise.all(admin.map((a) => a.call('CLUSTER', 'INFO')));
		if (
			states.every(
				(s) =>
					String(s).includes('cluster_state:ok') && String(s).includes('cluster_known_nodes:3'),
			)
		)
			break;
		if (i > 200) throw new Error('the three-master cluster did not come up');
		await sleep(100);
	}
	const env: Env = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
		QUEUE_BULL_REDIS_PASSWORD: password,
	};
	const { calls, tokens } = await fortyAtOnce(env);
	expect(calls).toBe(1);
	expect(tokens).toEqual(new Set(['fresh-token-1']));
});
