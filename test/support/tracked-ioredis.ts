/**
 * ioredis as the product loads it, with every client remembered, so that a test can close the
 * connections the windows it exercised opened. A test file opts in with
 * `jest.mock('ioredis', () => jest.requireActual('<path>/test/support/tracked-ioredis'))`; the
 * clients of every module registry (fresh copies of the node, as separate n8n processes have)
 * land in one list.
 */
import type * as IORedis from 'ioredis';

const actual = jest.requireActual<typeof IORedis>('ioredis');

interface Closable {
	disconnect(): void;
}
const shared = globalThis as { transakRedisClients?: Set<Closable> };
const clients = (shared.transakRedisClients ??= new Set<Closable>());

class Cluster extends actual.Cluster {
	constructor(...args: ConstructorParameters<typeof actual.Cluster>) {
		super(...args);
		clients.add(this);
	}
}

class Redis extends actual.default {
	static Cluster = Cluster;

	constructor(...args: unknown[]) {
		super(...(args as []));
		clients.add(this);
	}
}

export default Redis;
export { Cluster, Redis };

/** Closes every client created so far, in any module registry. */
export function disconnectRedisClients(): void {
	for (const client of clients) client.disconnect();
	clients.clear();
}
