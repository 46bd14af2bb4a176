/**
 * The Transak node in a real n8n against the fake Transak partner API on 127.0.0.1: a Webhook
 * node starts the workflow (its body carries the parameters) and answers with the Transak node's
 * items. Covers get, get many, errors, and the access-token refresh with the API secret.
 */
import type { FakeTransakApi } from '../../tools/transak/fake-api';
import * as real from '../support/real-n8n';
import { executions, outputItems, uniqueId } from '../support/real-n8n';

const client = real.n8n().main;
const TRANSAK = 'Transak';

let fake: FakeTransakApi;
let firstAccessToken: string;
let credential: { id: string; name: string };
/** Every access token n8n was given or obtained: none may leak. */
const issuedTokens: string[] = [];
/** One workflow per operation (`operation` takes no expressions): Webhook -> Transak. */
let getOne: { id: string; hook: string };
let getMany: { id: string; hook: string };
let workflowIds: string[] = [];

/** Starts a workflow through its Webhook node; the answer holds the Transak node's items. */
function call(target: { hook: string }, body: Record<string, unknown>) {
	return real.post(client, target.hook, body);
}

beforeAll(async () => {
	({ fake, firstAccessToken, credential, getOne, getMany } =
		await real.transakApiWorkflows('Transak node'));
	workflowIds = [getOne.id, getMany.id];
});

afterAll(async () => {
	await real.deactivate(workflowIds);
	await fake?.close();
});

describe(`Transak node in n8n ${client.version}`, () => {
	test('get: one order by ID, with status and orderId, sent with the access token', async () => {
		const before = (await executions(getOne.id)).length;
		const order = fake.orders[4];
		fake.reset();
		const answer = await call(getOne, { orderId: order.id });
		expect(answer.status).toBe(200);
		const { id: orderId, status, walletAddress } = order;
		expect(answer.json).toEqual([expect.objectContaining({ orderId, status, walletAddress })]);

		const execution = await real.nextExecution(getOne.id, before);
		expect(execution.status).toBe('success');
		expect(outputItems(execution, TRANSAK)).toHaveLength(1);
		const calls = fake.requestsTo(`/partners/api/v2/order/${order.id}`);
		expect(calls).toHaveLength(1);
		expect(calls[0].accessToken).toBe(firstAccessToken);
	});

	test('get many: a limit, and return all with a status filter', async () => {
		const limited = await call(getMany, { limit: 2 });
		expect(limited.status).toBe(200);
		expect(limited.json).toHaveLength(2);

		const completed = fake.orders.filter((o) => o.status === 'COMPLETED');
		expect(completed.length).toBeGreaterThan(0);
		const all = await call(getMany, { returnAll: true, status: 'COMPLETED' });
		expect(all.status).toBe(200);
		const items = all.json as Array<{ orderId: string; status: string }>;
		expect(items.map((i) => i.orderId).sort()).toEqual(completed.map((o) => o.id).sort());
		expect(items.every((i) => i.status === 'COMPLETED')).toBe(true);
	});

	test('an unknown order fails the execution with a readable error', async () => {
		const before = (await executions(getOne.id)).length;
		const answer = await call(getOne, { orderId: uniqueId('missing') });
		expect(answer.status).toBeGreaterThanOrEqual(400);
		const execution = await real.nextExecution(getOne.id, before);
		expect(execution.status).toBe('error');
		const message = JSON.stringify(execution.data?.resultData.error ?? {});
		expect(message.toLowerCase()).toContain('not found');
	});

	async function tokenExpires(): Promise<void> {
		issuedTokens.push(await real.expireCredentialToken(fake, credential.id));
	}

	test('an expired access token is refreshed with the API secret once, then reused', async () => {
		await tokenExpires();
		const order = fake.orders[1];
		const answer = await call(getOne, { orderId: order.id });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([expect.objectContaining({ orderId: order.id })]);
		expect(fake.refreshCalls).toBe(1);
		const refreshed = fake.accessToken;
		issuedTokens.push(refreshed);
		expect(refreshed).not.toBe(firstAccessToken);
		expect(fake.requestsTo('/partners/api/v2/refresh-token')[0].apiSecret).toBe(fake.apiSecret);

		// The next run uses the stored new token straight away: no second refresh.
		const again = await call(getOne, { orderId: fake.orders[2].id });
		expect(again.status).toBe(200);
		expect(fake.refreshCalls).toBe(1);
		const orderCalls = fake.requestsTo(`/partners/api/v2/order/${fake.orders[2].id}`);
		expect(orderCalls.map((r) => r.accessToken)).toEqual([refreshed]);
	});

	test('a refused refresh fails the execution with an error that names the problem, not the secret', async () => {
		const before = (await executions(getOne.id)).length;
		await tokenExpires();
		fake.failRefresh(401, {
			error: { statusCode: 401, name: 'UnauthorizedError', message: 'Invalid api secret' },
		});
		try {
			const answer = await call(getOne, { orderId: fake.orders[3].id });
			expect(answer.status).toBeGreaterThanOrEqual(400);
			const execution = await real.nextExecution(getOne.id, before);
			expect(execution.status).toBe('error');
			const error = JSON.stringify(execution.data?.resultData.error ?? {});
			expect(error).toContain('refuse');
			expect(error).not.toContain(fake.apiSecret);
		} finally {
			fake.failRefresh(null);
			fake.rotateAccessToken();
		}
	});

	test("a refresh cut off by the network fails the execution with the package's message, not n8n's generic one", async () => {
		const before = (await executions(getOne.id)).length;
		await tokenExpires();
		fake.failNext({ path: '/partners/api/v2/refresh-token', destroy: true });
		try {
			const answer = await call(getOne, { orderId: fake.orders[3].id });
			expect(answer.status).toBeGreaterThanOrEqual(400);
			const execution = await real.nextExecution(getOne.id, before);
			expect(execution.status).toBe('error');
			const error = execution.data?.resultData.error as { message?: string; description?: string };
			expect(error.message).toBe('Could not refresh the Transak access token (connection reset).');
			expect(error.description).toContain('got no answer from');
		} finally {
			fake.rotateAccessToken();
		}
	});

	test('no access token or API secret in execution data or the n8n log', async () => {
		const data = await real.allExecutionData(workflowIds);
		expect(data).toContain('orderId');
		const log = client.logs();
		const secrets = [fake.apiSecret, firstAccessToken, ...issuedTokens, ...fake.validTokens];
		real.expectNoneOf(secrets, data, log);
	});
});
