/**
 * The Transak Trigger in queue mode: deliveries over real HTTP to either webhook processor,
 * executions read back through the main instance's public API, and each process's log telling
 * which one queued an execution and which one ran it.
 */
import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { enqueuedBy, exactlyExecutions, executions, outputItems } from '../support/real-n8n';
import type { N8nClient } from '../support/real-n8n';

const { main, webhooks, workers } = real.n8n();
const ACCESS_TOKEN = real.secret('queue-access-token');
const API_SECRET = real.secret('queue-api-secret');
const TRIGGER = 'Transak Trigger';
const hook = real.uniqueId('queue-webhook');
const path = `${hook}/webhook`;
let workflowId = '';

const deliver = (target: N8nClient, body: unknown) => real.post(target, path, body);

beforeAll(async () => {
	expect(webhooks).toHaveLength(2);
	expect(workers).toHaveLength(2);
	const credential = await real.signingCredential(main, {
		accessToken: ACCESS_TOKEN,
		apiSecret: API_SECRET,
	});
	const workflow = await main.createWorkflow({
		name: 'Queue: Transak webhook',
		nodes: [
			real.transakTrigger({
				webhookId: hook,
				credential,
				events: ['ORDER_COMPLETED', 'KYC_APPROVED'],
				typeVersion: 2, // what new workflows get; the router test keeps a version 1 trigger
			}),
		],
	});
	workflowId = workflow.id;
	await real.activate(workflowId, path);
});

afterAll(async () => {
	await real.deactivate([workflowId]);
});

describe(`Transak Trigger in queue mode (n8n ${main.version}: main, ${webhooks.length} webhook processors, ${workers.length} workers)`, () => {
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
			const order = fx.sampleOrder({ id: real.uniqueId(`genuine-${index}`) });
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
			real.expectRanByOneWorker(execution.id);
		},
	);

	test('a KYC event through each processor: one execution each, run by the worker', async () => {
		const before = (await executions(workflowId)).length;
		const users = [real.uniqueId('user'), real.uniqueId('user')];
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
		for (const execution of fresh) real.expectRanByOneWorker(execution.id);
	});

	describe.each([0, 1])('webhook processor %i refuses and starts nothing', (index) => {
		const target = () => webhooks[index];
		const claims = () =>
			fx.orderClaims('ORDER_COMPLETED', fx.sampleOrder({ id: real.uniqueId('refused') }));
		test.each([
			['forged (signed with another key)', () => ({ data: fx.forge(claims()) })],
			['alg none', () => ({ data: fx.unsigned(claims()) })],
		] as Array<[string, () => unknown]>)('%s: 401', async (_label, body) => {
			const before = (await executions(workflowId)).length;
			const answer = await deliver(target(), body());
			expect(answer.status).toBe(401);
			expect(answer.text).not.toContain(ACCESS_TOKEN);
			await exactlyExecutions(workflowId, before);
		});

		test('signed with the API secret (as integrations from 2021 verified): 200, one execution', async () => {
			const before = (await executions(workflowId)).length;
			const answer = await deliver(target(), { data: fx.sign(claims(), API_SECRET) });
			expect(answer.status).toBe(200);
			await exactlyExecutions(workflowId, before + 1);
		});

		test('an event the workflow does not select: 200, no execution', async () => {
			const before = (await executions(workflowId)).length;
			const order = fx.sampleOrder({ id: real.uniqueId('filtered'), status: 'FAILED' });
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
		const logs = real.allLogs();
		expect(logs).toContain('Worker started execution');
		real.expectNoneOf([ACCESS_TOKEN, API_SECRET], data, logs);
	});
});
