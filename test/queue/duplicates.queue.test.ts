/**
 * One delivery reaching both webhook processors at once, many times: what happens with each
 * process keeping its own window (the option off, as before) and with the window shared through
 * n8n's Redis (the default). Both are measured and recorded for the run's summary; the shared
 * window must give exactly one execution per delivery, and neither may lose one.
 */
import Redis from 'ioredis';

import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { exactlyExecutions, executions, outputItems, post, uniqueId } from '../support/real-n8n';
import type { Execution } from '../support/real-n8n';

const { main, webhooks } = real.n8n();
const redis = real.n8n().redis!;
const ACCESS_TOKEN = real.secret('dup-access-token');
const TRIGGER = 'Transak Trigger';
const DELIVERIES = 100;
const PARALLEL = 10;

interface Flow {
	id: string;
	hook: string;
}
const separate: Flow = { id: '', hook: uniqueId('dup-separate') };
const shared: Flow = { id: '', hook: uniqueId('dup-shared') };

async function createFlow(
	flow: Flow,
	name: string,
	options: Record<string, unknown>,
	credential: { id: string; name: string },
) {
	const trigger = real.transakTrigger({
		webhookId: flow.hook,
		credential,
		options,
		typeVersion: 2,
	});
	flow.id = (await main.createWorkflow({ name, nodes: [trigger] })).id;
	await real.activate(flow.id, `${flow.hook}/webhook`);
}

/** Sends each body to both processors at the same moment, PARALLEL deliveries at a time. */
async function sendToBoth(flow: Flow, bodies: unknown[]): Promise<number[]> {
	const statuses: number[] = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: PARALLEL }, async () => {
			while (next < bodies.length) {
				const body = bodies[next++];
				const answers = await Promise.all(
					webhooks.map((target) => post(target, `${flow.hook}/webhook`, body)),
				);
				statuses.push(...answers.map((a) => a.status));
			}
		}),
	);
	return statuses;
}

function perOrder(all: Execution[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const execution of all) {
		const orderId = String(outputItems(execution, TRIGGER)[0]?.orderId);
		counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
	}
	return counts;
}

function bodiesFor(label: string) {
	const orders = Array.from({ length: DELIVERIES }, (_, i) =>
		fx.sampleOrder({ id: uniqueId(`${label}-${i}`) }),
	);
	return {
		orders,
		bodies: orders.map((order) => fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN)),
	};
}

beforeAll(async () => {
	const credential = await real.signingCredential(main, { accessToken: ACCESS_TOKEN });
	await createFlow(
		separate,
		'Queue: duplicates, separate windows',
		{ shareDeduplicationWindow: false },
		credential,
	);
	await createFlow(shared, 'Queue: duplicates, shared window', {}, credential);
});

afterAll(async () => {
	await real.deactivate([separate.id, shared.id]);
});

describe(`${DELIVERIES} deliveries, each sent to both webhook processors at once`, () => {
	test('each process with its own window (option off, the behaviour without Redis): measured, nothing lost', async () => {
		const { orders, bodies } = bodiesFor('separate');
		const statuses = await sendToBoth(separate, bodies);
		expect(statuses.every((s) => s === 200)).toBe(true);
		const all = await real.settledExecutions(separate.id, DELIVERIES);
		const counts = perOrder(all);
		for (const order of orders) expect(counts.get(order.id) ?? 0).toBeGreaterThanOrEqual(1);
		const duplicated = [...counts.values()].filter((c) => c > 1).length;
		real.record('duplicates.separateWindows', {
			deliveries: DELIVERIES,
			copiesEach: 2,
			executions: all.length,
			deliveriesRunTwice: duplicated,
		});
	});

	test("the window shared through n8n's Redis (default): exactly one execution per delivery", async () => {
		const { orders, bodies } = bodiesFor('shared');
		const statuses = await sendToBoth(shared, bodies);
		expect(statuses.every((s) => s === 200)).toBe(true);
		const all = await exactlyExecutions(shared.id, DELIVERIES, 3000);
		const counts = perOrder(all);
		expect([...counts.keys()].sort()).toEqual(orders.map((o) => o.id).sort());
		expect([...counts.values()].every((c) => c === 1)).toBe(true);
		expect(all.every((e) => e.status === 'success')).toBe(true);
		real.record('duplicates.sharedWindow', {
			deliveries: DELIVERIES,
			copiesEach: 2,
			executions: all.length,
			deliveriesRunTwice: [...counts.values()].filter((c) => c > 1).length,
		});

		// Retries later, to either processor, are repeats too.
		for (const target of webhooks)
			expect((await post(target, `${shared.hook}/webhook`, bodies[0])).status).toBe(200);
		await exactlyExecutions(shared.id, DELIVERIES);
	});

	test('four copies at once, two to each processor: still one execution each', async () => {
		const before = (await executions(shared.id)).length;
		const { bodies } = bodiesFor('four');
		const some = bodies.slice(0, 20);
		await Promise.all(
			some.map((body) =>
				Promise.all([0, 1, 0, 1].map((i) => post(webhooks[i], `${shared.hook}/webhook`, body))),
			),
		);
		const all = await exactlyExecutions(shared.id, before + some.length, 3000);
		expect([...perOrder(all.slice(before)).values()].every((c) => c === 1)).toBe(true);
	});

	test("the claims are in n8n's Redis, under its prefix and database, marked done for the window", async () => {
		const connection = new Redis({
			host: redis.host,
			port: redis.port,
			db: redis.db,
			password: redis.password,
		});
		try {
			const keys = await connection.keys(`${redis.prefix}:transak:dedupe:${shared.id}:*`);
			expect(keys.length).toBeGreaterThanOrEqual(DELIVERIES);
			const values = await Promise.all(keys.slice(0, 20).map((key) => connection.get(key)));
			expect(values.every((v) => v === 'done')).toBe(true);
			const ttl = await connection.pttl(keys[0]);
			expect(ttl).toBeGreaterThan(500_000); // the default window is 600 s
			expect(ttl).toBeLessThanOrEqual(600_000);
			const separateKeys = await connection.keys(`${redis.prefix}:transak:dedupe:${separate.id}:*`);
			expect(separateKeys).toEqual([]);
		} finally {
			connection.disconnect();
		}
	});
});
