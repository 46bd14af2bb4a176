/**
 * The ioredis store against a TLS server whose certificate does not validate. ioredis listens
 * once for a socket's `error`; OpenSSL can deliver a second one on the same socket (the server's
 * alert after the client refused its certificate: seen as "tlsv1 alert decode error" with
 * redis-server), and an `error` event without a listener is thrown out of the n8n process.
 */
import * as tls from 'tls';
import type { AddressInfo } from 'net';

import { openRedisStore } from '../../../../../nodes/Transak/queue/redisStore';
import { sharedWindowSettings } from '../../../../../nodes/Transak/queue/redisSettings';
import { TEST_TLS } from '../../../../support/self-signed-tls';
import { disconnectRedisClients } from '../../../../support/tracked-ioredis';

jest.mock('ioredis', () => jest.requireActual('../../../../support/tracked-ioredis'));

type Socket = { emit(event: 'error', error: Error): boolean };
const clients = () => [
	...(globalThis as { transakRedisClients?: Set<{ stream?: Socket }> }).transakRedisClients!,
];

let server: tls.Server;
let port: number;

beforeAll(async () => {
	server = tls.createServer(TEST_TLS, (socket) => socket.destroy());
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
	disconnectRedisClients();
	await new Promise((resolve) => server.close(resolve));
});

test('a second error on a refused TLS socket is kept in, the first one is reported', async () => {
	const settings = sharedWindowSettings({
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(port),
		QUEUE_BULL_REDIS_TLS: 'true',
	});
	if (!settings.enabled) throw new Error(settings.reason);
	const errors: Error[] = [];
	let refused!: () => void;
	const reported = new Promise<void>((resolve) => (refused = resolve));
	await openRedisStore(settings.redis, (error) => {
		errors.push(error);
		refused();
	});
	await reported;
	expect(errors[0].message).toMatch(/self.signed/i);
	const [client] = clients();
	// What OpenSSL does next: the same socket's second error. Without a listener, emit throws.
	expect(() =>
		client.stream!.emit('error', new Error('tlsv1 alert decode error (SSL alert number 50)')),
	).not.toThrow();
});
