/**
 * The Transak Trigger in queue mode: deliveries over real HTTP to either webhook processor,
 * executions read back through the main instance's public API, and each process's log telling
 * which one queued an execution and which one ran it.
 */
import * as fx from '../support/fixtures';
import {
	activateOnAllProcessors,
	allLogs,
	cluster,
	enqueuedBy,
	exactlyExecutions,
	executions,
	node,
	outputItems,
	PACKAGE,
	post,
	ranBy,
	secret,
	uniqueId,
	type Target,
} from './support/cluster';

const { main, webhooks, workers } = cluster();
const ACCESS_TOKEN = secret('queue-access-token');
const API_SECRET = secret('queue-api-secret');
const TRIGGER = 'Transak Trigger';
const hook = uniqueId('queue-webhook');
const path = `${hook}/webhook`;
let workflowId = '';

const deliver = (target: Target, body: unknown) => post(target, path, body);

beforeAll(async () => {
	expect(webhooks).toHaveLength(2);
	expect(workers).toHaveLength(1);
	const credential = await main.createCredential('transakApi', {
		environment: 'custom',
		baseUrl: 'http://127.0.0.1:9',
		apiKey: 'queue-partner-api-key',
		accessToken: ACCESS_TOKEN,
		apiSecret: API_SECRET,
	});
	const workflow = await main.createWorkflow({
		name: 'Queue: Transak webhook',
		nodes: [
			node(
				TRIGGER,
				`${PACKAGE}.transakTrigger`,
				{ events: ['ORDER_COMPLETED', 'KYC_APPROVED'] },
				{
					typeVersion: 2, // what new workflows get; the router test below keeps a version 1 trigger
					webhookId: hook,
					credentials: { transakApi: { id: credential.id, name: credential.name } },
				},
			),
		],
	});
	workflowId = workflow.id;
	await activateOnAllProcessors(workflowId, path);
});

afterAll(async () => {
	if (workflowId) await main.deactivate(workflowId).catch(() => undefined);
});

describe(`Transak Trigger in queue mode (n8n ${main.version}: main, ${webhooks.length} webhook processors, ${workers.length} worker)`, () => {
	test('the main instance does not take production webhooks: the processors do', async () => {
		const answer = await main.http('POST', `/webhook/${path}`, {
			body: '{}',
			headers: { 'content-type': 'application/json' },
		});
		expect(answer.status).toBe(404);
	});

	test.each([0, 1])(
		'a genuine delivery to webhook processor %i: 200 and exactly one execution, queued by it and run by the worker',
		async (index) => {
			const target = webhooks[index];
			const before = (await executions(workflowId)).length;
			const order = fx.sampleOrder({ id: uniqueId(`genuine-${index}`) });
			const answer = await deliver(
				target,
				fx.orderWebhookBody('ORDER_COMPLETED', order, ACCESS_TOKEN),
			);
			expect(answer.status).toBe(200);
			// The answer acknowledges; it does not echo the event back.
			expect(answer.text).not.toContain(order.id);

			const all = await exactlyExecutions(workflowId, before + 1);
			const execution = all[all.length - 1];
			expect(execution.status).toBe('success');
			expect(execution.mode).toBe('webhook');
			expect(outputItems(execution, TRIGGER)).toEqual([
				{ ...order, eventID: 'ORDER_COMPLETED', status: 'COMPLETED', orderId: order.id },
			]);
			expect(enqueuedBy(execution.id)).toEqual([target.role]);
			expect(ranBy(execution.id)).toEqual([workers[0].role]);
		},
	);

	test('a KYC event through each processor: one execution each, run by the worker', async () => {
		const before = (await executions(workflowId)).length;
		const users = [uniqueId('user'), uniqueId('user')];
		for (const [i, target] of webhooks.entries()) {
			const answer = await deliver(target, {
				data: fx.sign(
					fx.kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: users[i] }),
					ACCESS_TOKEN,
				),
			});
			expect(answer.status).toBe(200);
		}
		const all = await exactlyExecutions(workflowId, before + 2);
		const fresh = all.slice(-2);
		expect(fresh.map((e) => outputItems(e, TRIGGER)[0]?.partnerUserId).sort()).toEqual(
			[...users].sort(),
		);
		for (const execution of fresh) expect(ranBy(execution.id)).toEqual([workers[0].role]);
	});

	describe.each([0, 1])('webhook processor %i refuses and starts nothing', (index) => {
		const target = () => webhooks[index];
		const claims = () =>
			fx.orderClaims('ORDER_COMPLETED', fx.sampleOrder({ id: uniqueId('refused') }));
		test.each([
			['forged (signed with another key)', () => ({ data: fx.forge(claims()) })],
			['alg none', () => ({ data: fx.unsigned(claims()) })],
			['signed with the API secret', () => ({ data: fx.sign(claims(), API_SECRET) })],
		] as Array<[string, () => unknown]>)('%s: 401', async (_label, body) => {
			const before = (await executions(workflowId)).length;
			const answer = await deliver(target(), body());
			expect(answer.status).toBe(401);
			expect(answer.text).not.toContain(ACCESS_TOKEN);
			await exactlyExecutions(workflowId, before);
		});

		test('an event the workflow does not select: 200, no execution', async () => {
			const before = (await executions(workflowId)).length;
			const order = fx.sampleOrder({ id: uniqueId('filtered'), status: 'FAILED' });
			const answer = await deliver(
				target(),
				fx.orderWebhookBody('ORDER_FAILED', order, ACCESS_TOKEN),
			);
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({ message: 'Received' });
			await exactlyExecutions(workflowId, before);
		});

		test('not a JWT: 400, no execution', async () => {
			const before = (await executions(workflowId)).length;
			expect((await deliver(target(), { data: 'not-a-jwt' })).status).toBe(400);
			await exactlyExecutions(workflowId, before);
		});
	});

	test('neither the access token nor the API secret appears in execution data or any process log', async () => {
		const data = JSON.stringify(await executions(workflowId));
		expect(data).toContain('ORDER_COMPLETED');
		const logs = allLogs();
		expect(logs).toContain('Worker started execution');
		for (const value of [ACCESS_TOKEN, API_SECRET]) {
			expect(data).not.toContain(value);
			expect(logs).not.toContain(value);
		}
	});
});
