/**
 * nodes/shared/redisClaim.ts against the real redis-server of the cluster (password, database 1,
 * n8n's prefix): the same guarantees the unit tests check against a RESP fake.
 */
import {
	RespConnection,
	SharedDeliveryWindow,
	type Claim,
	type RedisSettings,
} from '../../nodes/shared/redisClaim';
import { cluster, sleep, uniqueId } from './support/cluster';

const { redis } = cluster();
const settings = (overrides: Partial<RedisSettings> = {}): RedisSettings => ({
	host: redis.host,
	port: redis.port,
	db: redis.db,
	password: redis.password,
	tls: false,
	rejectUnauthorized: true,
	prefix: redis.prefix,
	timeoutMs: 2000,
	...overrides,
});

const windows: SharedDeliveryWindow[] = [];
function windowFor(
	overrides: Partial<RedisSettings> = {},
	options = {},
	report: (m: string) => void = () => undefined,
) {
	const window = new SharedDeliveryWindow(settings(overrides), { pollMs: 5, ...options }, report);
	windows.push(window);
	return window;
}
afterAll(() => {
	for (const window of windows) window.close();
});

describe('SharedDeliveryWindow against redis-server', () => {
	test('claim, wait, confirm, expire: the full cycle', async () => {
		const a = windowFor();
		const b = windowFor();
		const key = a.keyFor('wf', 'node', uniqueId('cycle'));
		const first = (await a.claim(key, 400)) as Extract<Claim, { kind: 'claimed' }>;
		expect(first.kind).toBe('claimed');
		const copy = b.claim(key, 400);
		await sleep(50);
		await first.settle(true);
		expect((await copy).kind).toBe('duplicate');
		await sleep(450);
		expect((await b.claim(key, 400)).kind).toBe('claimed');
	});

	test('a failed hand-off releases the claim to a waiting copy', async () => {
		const a = windowFor();
		const b = windowFor();
		const key = a.keyFor('wf', 'node', uniqueId('release'));
		const first = (await a.claim(key, 60_000)) as Extract<Claim, { kind: 'claimed' }>;
		const copy = b.claim(key, 60_000);
		await sleep(50);
		await first.settle(false);
		expect((await copy).kind).toBe('claimed');
	});

	test('20 processes x 50 deliveries, all at once: exactly one owner per delivery', async () => {
		const processes = Array.from({ length: 20 }, () => windowFor());
		const keys = Array.from({ length: 50 }, () =>
			processes[0].keyFor('wf', 'node', uniqueId('race')),
		);
		const owners = new Map<string, number>();
		await Promise.all(
			keys.flatMap((key) =>
				processes.map(async (window) => {
					const claim = await window.claim(key, 60_000);
					if (claim.kind === 'claimed') {
						owners.set(key, (owners.get(key) ?? 0) + 1);
						await claim.settle(true);
					} else {
						expect(claim.kind).toBe('duplicate');
					}
				}),
			),
		);
		expect(keys.every((key) => owners.get(key) === 1)).toBe(true);
	});

	test('uses the configured database: the key is in db 1, not in db 0', async () => {
		const window = windowFor();
		const key = window.keyFor('wf', 'node', uniqueId('db'));
		await ((await window.claim(key, 60_000)) as Extract<Claim, { kind: 'claimed' }>).settle(true);
		const db0 = await RespConnection.open(settings({ db: 0 }));
		const db1 = await RespConnection.open(settings({ db: 1 }));
		try {
			expect(await db0.command(['GET', key])).toBeNull();
			expect(await db1.command(['GET', key])).toBe('done');
		} finally {
			db0.close();
			db1.close();
		}
	});

	test('a wrong password: unavailable (the delivery is accepted), reported without the password', async () => {
		const reports: string[] = [];
		const window = windowFor({ password: 'not-the-password-123' }, {}, (m) => reports.push(m));
		expect((await window.claim('x', 60_000)).kind).toBe('unavailable');
		expect(reports.join('\n')).toMatch(/WRONGPASS|invalid/i);
		expect(reports.join('\n')).not.toContain('not-the-password-123');
		expect(reports.join('\n')).not.toContain(redis.password);
	});
});
