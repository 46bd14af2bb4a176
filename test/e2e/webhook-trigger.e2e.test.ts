/**
 * The Transak Trigger's answer table in a real n8n: the packed package installed in the n8n
 * user folder, deliveries over real HTTP to the production webhook URL, executions read back
 * through n8n's public API.
 *
 * "No execution" is proven with a sentinel: after a refused delivery a valid one is sent, and
 * the workflow must then have exactly one more execution, the sentinel's.
 */
import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { executions, exactlyExecutions, outputItems, uniqueId } from '../support/real-n8n';

const client = real.n8n().main;
const ACCESS_TOKEN = real.secret('access-token');
const API_SECRET = real.secret('api-secret');
const TRIGGER = 'Transak Trigger';
const SELECTED = ['ORDER_COMPLETED', 'KYC_SUBMITTED', 'KYC_APPROVED'];

let credential: { id: string; name: string };
const selective = { id: '', hook: uniqueId('transak-selective') };
const everything = { id: '', hook: uniqueId('transak-all') };

function triggerWorkflow(name: string, webhookId: string, events: string[]) {
	return { name, nodes: [real.transakTrigger({ webhookId, credential, events })] };
}

function deliver(body: unknown, { contentType = 'application/json', hook = selective.hook } = {}) {
	return real.post(client, `${hook}/webhook`, body, contentType);
}

/** Sends a valid delivery and checks that it, and nothing else, added one execution. */
async function expectOnlySentinelAfter(before: number): Promise<void> {
	const order = fx.sampleOrder({ id: uniqueId('sentinel') });
	const answer = await deliver(fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN));
	expect(answer.status).toBe(200);
	const all = await exactlyExecutions(selective.id, before + 1);
	expect(outputItems(all[all.length - 1], TRIGGER)[0]?.orderId).toBe(order.id);
}

async function count(workflowId: string): Promise<number> {
	return (await executions(workflowId)).length;
}

function orderClaims(eventID: string, overrides: Record<string, unknown> = {}) {
	return fx.orderClaims(eventID, fx.sampleOrder({ id: uniqueId('order'), ...overrides }));
}

beforeAll(async () => {
	credential = await real.signingCredential(client, {
		accessToken: ACCESS_TOKEN,
		apiSecret: API_SECRET,
	});
	selective.id = (
		await client.createWorkflow(
			triggerWorkflow('Transak webhook: selected events', selective.hook, SELECTED),
		)
	).id;
	everything.id = (
		await client.createWorkflow(
			triggerWorkflow('Transak webhook: every event', everything.hook, []),
		)
	).id;
	await real.activate(selective.id, `${selective.hook}/webhook`);
	await real.activate(everything.id, `${everything.hook}/webhook`);
});

describe(`Transak Trigger in n8n ${client.version}`, () => {
	test('a valid, selected order event answers 200 and starts exactly one execution with one item', async () => {
		const before = await count(selective.id);
		const order = fx.sampleOrder({ id: uniqueId('completed') });
		const answer = await deliver(fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN));
		expect(answer.status).toBe(200);

		const all = await exactlyExecutions(selective.id, before + 1);
		const execution = all[all.length - 1];
		expect(execution.status).toBe('success');
		expect(execution.mode).toBe('webhook');
		const items = outputItems(execution, TRIGGER);
		expect(items).toHaveLength(1);
		expect(items[0]).toEqual({
			...order,
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: order.id,
		});
	});

	test('a valid event that is not selected answers 200 and starts nothing', async () => {
		const before = await count(selective.id);
		const answer = await deliver({
			data: fx.sign(orderClaims('ORDER_FAILED', { status: 'FAILED' }), ACCESS_TOKEN),
		});
		expect(answer.status).toBe(200);
		await expectOnlySentinelAfter(before);
	});

	test('an empty event selection takes every event', async () => {
		const before = await count(everything.id);
		const order = fx.sampleOrder({ id: uniqueId('refunded'), status: 'REFUNDED' });
		const answer = await deliver(fx.orderWebhookBody('ORDER_REFUNDED', order, ACCESS_TOKEN), {
			hook: everything.hook,
		});
		expect(answer.status).toBe(200);
		const all = await exactlyExecutions(everything.id, before + 1);
		expect(outputItems(all[all.length - 1], TRIGGER)).toEqual([
			expect.objectContaining({
				eventID: 'ORDER_REFUNDED',
				status: 'REFUNDED',
				orderId: order.id,
				walletAddress: order.walletAddress,
			}),
		]);
	});

	describe('refuses untrusted tokens with 401 and starts nothing', () => {
		const claims = () => orderClaims('ORDER_COMPLETED');
		const valid = () => fx.sign(claims(), ACCESS_TOKEN);
		const cases: Array<[string, () => string]> = [
			[
				'payload changed after signing',
				() => {
					const [header, payload, signature] = valid().split('.');
					const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
					decoded.webhookData.fiatAmount = 1_000_000;
					return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
				},
			],
			['signed with a random key (forged)', () => fx.forge(claims())],
			['signed with a wrong key', () => fx.sign(claims(), `${ACCESS_TOKEN}-old`)],
			['alg none, no signature', () => fx.unsigned(claims())],
			['HS512 with the right key', () => fx.sign(claims(), ACCESS_TOKEN, { algorithm: 'HS512' })],
			[
				'HS256 header with the signature removed',
				() => `${valid().split('.').slice(0, 2).join('.')}.`,
			],
			[
				'expired',
				() => fx.sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, ACCESS_TOKEN),
			],
		];
		test.each(cases)('%s', async (_label, token) => {
			const before = await count(selective.id);
			const answer = await deliver({ data: token() });
			expect(answer.status).toBe(401);
			expect(answer.text).not.toContain(ACCESS_TOKEN);
			await expectOnlySentinelAfter(before);
		});
	});

	describe('refuses bodies that are not {"data": "<JWT>"} with 400 and starts nothing', () => {
		const cases: Array<[string, string, string]> = [
			['text that is not JSON, sent as text/plain', 'this is not JSON', 'text/plain'],
			['JSON without data', JSON.stringify({ order: { id: 'x' } }), 'application/json'],
			['data is a number', JSON.stringify({ data: 42 }), 'application/json'],
			[
				'data is an object',
				JSON.stringify({ data: { eventID: 'ORDER_COMPLETED' } }),
				'application/json',
			],
			[
				'data is a string that is not a JWT',
				JSON.stringify({ data: 'definitely-not-a-jwt' }),
				'application/json',
			],
			['a JSON array', JSON.stringify([{ data: 'x.y.z' }]), 'application/json'],
			['an empty body', '', 'application/json'],
		];
		test.each(cases)('%s', async (_label, body, contentType) => {
			const before = await count(selective.id);
			const answer = await deliver(body, { contentType });
			expect(answer.status).toBe(400);
			await expectOnlySentinelAfter(before);
		});
	});

	test('malformed JSON sent as application/json is refused before the node runs, and starts nothing', async () => {
		// n8n parses application/json bodies itself before it calls a webhook node, and answers
		// 422 "Failed to parse request body" when that fails (1.123 and 2.41 alike): the node
		// never sees such a request. Bodies n8n leaves unparsed reach the node, which answers 400.
		const before = await count(selective.id);
		const answer = await deliver('{"data": ', { contentType: 'application/json' });
		expect([400, 422]).toContain(answer.status);
		await expectOnlySentinelAfter(before);
	});

	test('a JSON delivery sent without a content type or as text/plain is still read', async () => {
		const before = await count(selective.id);
		const plain = fx.sampleOrder({ id: uniqueId('text-plain') });
		const bare = fx.sampleOrder({ id: uniqueId('no-content-type') });
		expect(
			(
				await deliver(JSON.stringify(fx.orderWebhookBody('ORDER_COMPLETED', plain, ACCESS_TOKEN)), {
					contentType: 'text/plain',
				})
			).status,
		).toBe(200);
		expect(
			(
				await deliver(JSON.stringify(fx.orderWebhookBody('ORDER_COMPLETED', bare, ACCESS_TOKEN)), {
					contentType: '',
				})
			).status,
		).toBe(200);
		const all = await exactlyExecutions(selective.id, before + 2);
		const orderIds = all.slice(-2).map((execution) => outputItems(execution, TRIGGER)[0]?.orderId);
		expect(orderIds.sort()).toEqual([plain.id, bare.id].sort());
	});

	test.each([
		['at the top level', false, 'KYC_APPROVED', 'APPROVED'],
		['nested under data', true, 'KYC_SUBMITTED', 'SUBMITTED'],
	] as Array<[string, boolean, string, string]>)(
		'a KYC event %s starts one execution',
		async (_label, nested, eventID, kycStatus) => {
			const before = await count(selective.id);
			const partnerUserId = uniqueId('user');
			const partnerCustomerId = uniqueId('customer');
			const claims = fx.kycClaims(eventID, kycStatus, { partnerUserId, partnerCustomerId, nested });
			const answer = await deliver({ data: fx.sign(claims, ACCESS_TOKEN) });
			expect(answer.status).toBe(200);
			const all = await exactlyExecutions(selective.id, before + 1);
			const items = outputItems(all[all.length - 1], TRIGGER);
			expect(items).toHaveLength(1);
			expect(items[0]).toMatchObject({
				eventID,
				status: kycStatus,
				partnerUserId,
				partnerCustomerId,
			});
		},
	);

	test('the same delivery sent twice starts one execution', async () => {
		const before = await count(selective.id);
		const order = fx.sampleOrder({ id: uniqueId('twice') });
		const body = fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN);
		expect((await deliver(body)).status).toBe(200);
		expect((await deliver(body)).status).toBe(200);
		const all = await exactlyExecutions(selective.id, before + 1);
		expect(outputItems(all[all.length - 1], TRIGGER)[0]?.orderId).toBe(order.id);
		await expectOnlySentinelAfter(before + 1);
	});

	test('a captured delivery replayed days later answers 200 and starts nothing; a status reached again runs again', async () => {
		const before = await count(selective.id);
		const daysAgo = new Date(Date.now() - 4 * 86_400_000).toISOString();
		const order = fx.sampleOrder({
			id: uniqueId('replayed'),
			createdAt: daysAgo,
			updatedAt: daysAgo,
		});
		const replay = {
			data: fx.sign(
				{ ...fx.orderClaims('ORDER_COMPLETED', order), createdAt: daysAgo },
				ACCESS_TOKEN,
			),
		};
		expect((await deliver(replay)).status).toBe(200);
		await expectOnlySentinelAfter(before);

		// The same order and status, signed with a later update time: a new occurrence.
		const id = uniqueId('recurring');
		const at = (minutes: number) => {
			const updatedAt = new Date(Date.now() - minutes * 60_000).toISOString();
			return fx.orderWebhookBody(
				'ORDER_COMPLETED',
				fx.sampleOrder({ id, updatedAt }),
				ACCESS_TOKEN,
			);
		};
		const [first, again] = [at(10), at(1)];
		for (const body of [first, first, again, again]) expect((await deliver(body)).status).toBe(200);
		await exactlyExecutions(selective.id, before + 3);
	});

	test('neither the access token nor the API secret appears in execution data or in the n8n log', async () => {
		const data = await real.allExecutionData([selective.id, everything.id]);
		expect(data.length).toBeGreaterThan(1000);
		expect(data).toContain('ORDER_COMPLETED');
		const log = client.logs();
		expect(log).toContain('n8n-nodes-transak');
		real.expectNoneOf([ACCESS_TOKEN, API_SECRET], data, log);
	});
});

describe(`Transak Trigger version 2 in n8n ${client.version}`, () => {
	const v2 = { id: '', hook: uniqueId('transak-v2') };

	beforeAll(async () => {
		const workflow = triggerWorkflow('Transak webhook: version 2', v2.hook, []);
		(workflow.nodes[0] as { typeVersion: number }).typeVersion = 2;
		v2.id = (await client.createWorkflow(workflow)).id;
		await real.activate(v2.id, `${v2.hook}/webhook`);
	});

	test('answers the same table: genuine 200 + one execution, forged 401, not JSON 400', async () => {
		const order = fx.sampleOrder({ id: uniqueId('v2') });
		expect(
			(
				await deliver(fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN), {
					hook: v2.hook,
				})
			).status,
		).toBe(200);
		expect(
			(await deliver({ data: fx.forge(orderClaims('ORDER_COMPLETED')) }, { hook: v2.hook })).status,
		).toBe(401);
		expect(
			(await deliver('not json at all', { hook: v2.hook, contentType: 'text/plain' })).status,
		).toBe(400);
		const all = await exactlyExecutions(v2.id, 1);
		expect(outputItems(all[0], TRIGGER)[0]?.orderId).toBe(order.id);
	});

	test('reads bodies n8n leaves unparsed (no content type, octet-stream) itself', async () => {
		const before = await count(v2.id);
		const first = fx.sampleOrder({ id: uniqueId('v2-raw') });
		const second = fx.sampleOrder({ id: uniqueId('v2-octet') });
		const raw = JSON.stringify(fx.orderWebhookBody('ORDER_COMPLETED', first, ACCESS_TOKEN));
		const octet = JSON.stringify(fx.orderWebhookBody('ORDER_COMPLETED', second, ACCESS_TOKEN));
		expect((await deliver(raw, { hook: v2.hook, contentType: '' })).status).toBe(200);
		expect(
			(await deliver(octet, { hook: v2.hook, contentType: 'application/octet-stream' })).status,
		).toBe(200);
		const all = await exactlyExecutions(v2.id, before + 2);
		const ids = all.slice(-2).map((execution) => outputItems(execution, TRIGGER)[0]?.orderId);
		expect(ids.sort()).toEqual([first.id, second.id].sort());
	});
});
