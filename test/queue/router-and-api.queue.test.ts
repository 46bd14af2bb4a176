/**
 * The Transak Status Router and the Transak node in queue mode: they run on the worker, with the
 * same results as in a single process (test/e2e has the same checks against one n8n). The Transak
 * node talks to the fake Transak partner API, including the access-token refresh, whose new token
 * n8n stores in the credential (the database all processes share).
 */
import * as fx from '../../tools/transak/fixtures';
import type { FakeTransakApi } from '../../tools/transak/fake-api';
import * as real from '../support/real-n8n';
import { executions, node, outputItems, uniqueId, type Execution } from '../support/real-n8n';

const { main, webhooks } = real.n8n();
const ACCESS_TOKEN = real.secret('queue-router-token');
const TRIGGER = 'Transak Trigger';
const ROUTER = 'Transak Status Router';

const router = { id: '', hook: uniqueId('queue-router') };
let getOne: { id: string; hook: string };
let getMany: { id: string; hook: string };
let fake: FakeTransakApi;
let firstAccessToken = '';
let credential: { id: string; name: string };
const issuedTokens: string[] = [];

function routerCounts(execution: Execution): number[] {
	return Array.from({ length: 10 }, (_, index) => outputItems(execution, ROUTER, index).length);
}
const onlyOn = (index: number) => Array.from({ length: 10 }, (_, i) => (i === index ? 1 : 0));

function lastExecution(workflowId: string, before: number): Promise<Execution> {
	return real.nextExecution(workflowId, before, 500);
}

beforeAll(async () => {
	const routerCredential = await real.signingCredential(main, { accessToken: ACCESS_TOKEN });
	router.id = (
		await main.createWorkflow({
			name: 'Queue: router',
			nodes: [
				// Version 1, as workflows saved before version 2 have it.
				real.transakTrigger({ webhookId: router.hook, credential: routerCredential }),
				node(ROUTER, `${real.PACKAGE}.transakStatusRouter`, {}, { position: [250, 0] }),
				node('On Completed', 'n8n-nodes-base.noOp', {}, { position: [500, 0] }),
				node('On Failed', 'n8n-nodes-base.noOp', {}, { position: [500, 120] }),
			],
			connections: real.connect([
				[TRIGGER, ROUTER, 0],
				[ROUTER, 'On Completed', 3],
				[ROUTER, 'On Failed', 4],
			]),
		})
	).id;
	await real.activate(router.id, `${router.hook}/webhook`);

	({ fake, firstAccessToken, credential, getOne, getMany } =
		await real.transakApiWorkflows('Queue: Transak'));
});

afterAll(async () => {
	await real.deactivate([router.id, getOne?.id, getMany?.id]);
	await fake?.close();
});

describe(`Transak Status Router in queue mode (n8n ${main.version})`, () => {
	test.each([
		[0, 'ORDER_COMPLETED', 'COMPLETED', 3, 'On Completed'],
		[1, 'ORDER_FAILED', 'FAILED', 4, 'On Failed'],
	] as Array<[number, string, string, number, string]>)(
		'via processor %i: %s lands on output %#, on the worker',
		async (index, eventID, status, output, handler) => {
			const before = (await executions(router.id)).length;
			const order = fx.sampleOrder({ id: uniqueId('routed'), status });
			const answer = await real.post(webhooks[index], `${router.hook}/webhook`, {
				data: fx.sign(fx.orderClaims(eventID, order), ACCESS_TOKEN),
			});
			expect(answer.status).toBe(200);
			const execution = await lastExecution(router.id, before);
			expect(execution.status).toBe('success');
			expect(routerCounts(execution)).toEqual(onlyOn(output));
			expect(outputItems(execution, handler)).toEqual([
				expect.objectContaining({ orderId: order.id, status }),
			]);
			real.expectRanByOneWorker(execution.id);
		},
	);

	test('a KYC approval reaches KYC Approved; an unknown status reaches Other', async () => {
		const before = (await executions(router.id)).length;
		await real.post(webhooks[0], `${router.hook}/webhook`, {
			data: fx.sign(
				fx.kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: uniqueId('u') }),
				ACCESS_TOKEN,
			),
		});
		const kyc = await lastExecution(router.id, before);
		expect(routerCounts(kyc)).toEqual(onlyOn(7));
		await real.post(webhooks[1], `${router.hook}/webhook`, {
			data: fx.sign(
				fx.orderClaims(
					'ORDER_PROCESSING',
					fx.sampleOrder({ id: uniqueId('odd'), status: 'SOMETHING_NEW' }),
				),
				ACCESS_TOKEN,
			),
		});
		const other = await lastExecution(router.id, before + 1);
		expect(routerCounts(other)).toEqual(onlyOn(9));
	});
});

describe(`Transak node in queue mode (n8n ${main.version})`, () => {
	const call = (index: number, target: { hook: string }, body: Record<string, unknown>) =>
		real.post(webhooks[index], target.hook, body);

	test('get: the order, from the worker, sent with the access token', async () => {
		const before = (await executions(getOne.id)).length;
		const order = fake.orders[4];
		fake.reset();
		const answer = await call(0, getOne, { orderId: order.id });
		expect(answer.status).toBe(200);
		const { id: orderId, status, walletAddress } = order;
		expect(answer.json).toEqual([expect.objectContaining({ orderId, status, walletAddress })]);
		const execution = await lastExecution(getOne.id, before);
		expect(execution.status).toBe('success');
		real.expectRanByOneWorker(execution.id);
		const calls = fake.requestsTo(`/partners/api/v2/order/${order.id}`);
		expect(calls).toHaveLength(1);
		expect(calls[0].accessToken).toBe(firstAccessToken);
	});

	test('get many: a limit, and return all with a status filter', async () => {
		const limited = await call(1, getMany, { limit: 2 });
		expect(limited.status).toBe(200);
		expect(limited.json).toHaveLength(2);
		const completed = fake.orders.filter((o) => o.status === 'COMPLETED');
		const all = await call(0, getMany, { returnAll: true, status: 'COMPLETED' });
		const items = all.json as Array<{ orderId: string; status: string }>;
		expect(items.map((i) => i.orderId).sort()).toEqual(completed.map((o) => o.id).sort());
	});

	test('an expired access token is refreshed once on the worker; the stored new token is used next, from either processor', async () => {
		issuedTokens.push(await real.expireCredentialToken(fake, credential.id));
		const answer = await call(1, getOne, { orderId: fake.orders[1].id });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([expect.objectContaining({ orderId: fake.orders[1].id })]);
		expect(fake.refreshCalls).toBe(1);
		const refreshed = fake.accessToken;
		issuedTokens.push(refreshed);
		expect(refreshed).not.toBe(firstAccessToken);

		const again = await call(0, getOne, { orderId: fake.orders[2].id });
		expect(again.status).toBe(200);
		expect(fake.refreshCalls).toBe(1);
		expect(
			fake.requestsTo(`/partners/api/v2/order/${fake.orders[2].id}`).map((r) => r.accessToken),
		).toEqual([refreshed]);
	});

	test('an unknown order fails the execution with a readable error', async () => {
		const before = (await executions(getOne.id)).length;
		const answer = await call(0, getOne, { orderId: uniqueId('missing') });
		expect(answer.status).toBeGreaterThanOrEqual(400);
		const execution = await lastExecution(getOne.id, before);
		expect(execution.status).toBe('error');
		expect(JSON.stringify(execution.data?.resultData.error ?? {}).toLowerCase()).toContain(
			'not found',
		);
		real.expectRanByOneWorker(execution.id);
	});

	test('no access token or API secret in execution data or any process log', async () => {
		const data = JSON.stringify([
			...(await executions(getOne.id)),
			...(await executions(getMany.id)),
			...(await executions(router.id)),
		]);
		expect(data).toContain('orderId');
		const logs = real.allLogs();
		const secrets = [fake.apiSecret, firstAccessToken, ACCESS_TOKEN, ...issuedTokens];
		real.expectNoneOf([...secrets, ...fake.validTokens], data, logs);
	});
});
