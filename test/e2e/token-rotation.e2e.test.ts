/**
 * Transak's rotating access token in a real n8n. One Transak API credential, holding an expired
 * token and the API secret, is shared by three active workflows: Webhook -> Transak (get order),
 * the Transak WebSocket Trigger on the all-orders channel, and the Transak Trigger. The fake
 * Transak API rejects expired tokens and rotates the token on every refresh, as Transak does.
 *
 * The Transak node refreshes the expired token once; events signed with the new token then
 * start executions in both triggers without re-activation. A token rotated by another system is
 * not refreshed again (a clear error instead); once the user pastes it into the credential,
 * events signed with it run. An API error in the call that refreshed masks the new token, and no
 * token ever appears in an execution or the n8n log.
 */
import { apiWorkflow } from '../../tools/n8n/workflows';
import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { executions, outputItems, uniqueId, type Execution } from '../support/real-n8n';

const client = real.n8n().main;
const REPLACED = 'it was replaced, probably refreshed by another system';

type Setup = Awaited<ReturnType<typeof real.expiredTokenSetup>>;
let setup: Setup;
let pusher: Setup['pusher'];
let fake: Setup['fake'];
let credential: Setup['credential'];
let API_KEY: string;
/** Every token n8n was given or obtained, and the API secret: none may leak. */
const secrets: string[] = [];

let api: Setup['api'];
/** The same, with the Transak node set to continue on errors: its error item is the answer. */
const tolerant = { id: '', hook: uniqueId('rotation-api-tolerant') };
const socket = { id: '' };
let lateTrigger: string | undefined;
let deletedTrigger: string | undefined;
let webhook: Setup['webhook'];

/** The token Transak now accepts (and signs with); remembered for the leak check. */
function currentToken(): string {
	secrets.push(fake.accessToken);
	return fake.accessToken;
}

function getOrder(target: { hook: string }, orderId: string) {
	return real.post(client, target.hook, { orderId });
}

async function count(workflowId: string): Promise<number> {
	return (await executions(workflowId)).length;
}

function triggerItem(execution: Execution, node: string) {
	return outputItems(execution, node)[0] ?? {};
}

/** Publishes an all-orders event signed with `key`; resolves with its order ID. */
function publishOrder(key: string): string {
	const order = fx.sampleOrder({ id: uniqueId('ws-order'), status: 'COMPLETED' });
	pusher.publish(API_KEY, 'ORDER_COMPLETED', fx.signedOrder('ORDER_COMPLETED', order, key));
	return order.id;
}

/** Delivers a webhook signed with `key`; resolves with the answer and the order ID. */
async function deliver(key: string) {
	const order = fx.sampleOrder({ id: uniqueId('webhook-order'), status: 'COMPLETED' });
	const body = fx.orderWebhookBody('ORDER_COMPLETED', order, key);
	const answer = await real.post(client, `${webhook.hook}/webhook`, body);
	return { status: answer.status, orderId: order.id };
}

/** Delivers an order webhook signed with `key` to the Transak Trigger at `hook`. */
function deliverTo(hook: string, key: string, prefix: string) {
	const order = fx.sampleOrder({ id: uniqueId(prefix) });
	return real.post(client, `${hook}/webhook`, fx.orderWebhookBody('ORDER_COMPLETED', order, key));
}

/** Both triggers take an event signed with `key`: one execution each, with that order. */
async function expectBothTriggersRun(key: string): Promise<void> {
	const [wsBefore, whBefore] = [await count(socket.id), await count(webhook.id)];
	const wsOrder = publishOrder(key);
	const delivered = await deliver(key);
	expect(delivered.status).toBe(200);
	const wsRun = await real.nextExecution(socket.id, wsBefore);
	expect(triggerItem(wsRun, 'Transak WebSocket Trigger').orderId).toBe(wsOrder);
	const whRun = await real.nextExecution(webhook.id, whBefore);
	expect(triggerItem(whRun, 'Transak Trigger').orderId).toBe(delivered.orderId);
}

beforeAll(async () => {
	setup = await real.expiredTokenSetup('Rotation');
	({ pusher, fake, credential, api, webhook, apiKey: API_KEY } = setup);
	socket.id = setup.socket;
	secrets.push(setup.expired, fake.apiSecret);
	const tolerantJson = apiWorkflow('Rotation: get, continue', tolerant.hook, credential, setup.get);
	tolerantJson.nodes[1].onError = 'continueRegularOutput';
	tolerant.id = (await client.createWorkflow(tolerantJson)).id;
	await real.activate(tolerant.id, tolerant.hook);
});

afterAll(async () => {
	await real.deactivate([
		api?.id,
		tolerant.id,
		socket.id,
		webhook?.id,
		lateTrigger,
		deletedTrigger,
	]);
	await pusher?.close();
	await fake?.close();
});

describe(`Transak access-token rotation in n8n ${client.version}`, () => {
	test("the editor's credential test explains the expired token and never refreshes it", async () => {
		fake.reset();
		const test = () =>
			client.rest('POST', '/credentials/test', {
				credentials: {
					id: credential.id,
					name: credential.name,
					type: 'transakApi',
					data: fake.credentials({ accessToken: setup.expired }),
				},
			});
		for (let attempt = 0; attempt < 2; attempt++) {
			const { data } = (await test()) as { data: { status: string; message: string } };
			expect(data.status).toBe('Error');
			expect(data.message).toContain('it has expired. n8n refreshes it with the API secret');
		}
		expect(fake.refreshCalls).toBe(0);
		expect(fake.accessToken).toBe(setup.expired);
	});

	test('the Transak node refreshes the expired token once, and reuses the new one', async () => {
		fake.reset();
		const first = fake.addOrder(fx.sampleOrder({ id: uniqueId('api-order') }));
		expect((await getOrder(api, first.id)).status).toBe(200);
		expect(fake.refreshCalls).toBe(1);
		const refreshed = currentToken();

		const order = fake.addOrder(fx.sampleOrder({ id: uniqueId('api-order') }));
		const again = await getOrder(api, order.id);
		expect(again.status).toBe(200);
		expect(again.json).toEqual([expect.objectContaining({ orderId: order.id })]);
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo(`/partners/api/v2/order/${order.id}`).map((r) => r.accessToken)).toEqual(
			[refreshed],
		);
	});

	test("a Transak Trigger that first reads the credential after the refresh refuses the user's original token", async () => {
		const hook = uniqueId('rotation-late-trigger');
		const { id } = await client.createWorkflow({
			name: 'Rotation: trigger activated after the refresh',
			nodes: [real.transakTrigger({ webhookId: hook, credential, typeVersion: 2 })],
		});
		lateTrigger = id;
		await real.activate(id, `${hook}/webhook`);
		const signedWith = (key: string) => deliverTo(hook, key, 'late');
		expect((await signedWith(setup.expired)).status).toBe(401);
		expect((await signedWith(fake.accessToken)).status).toBe(200);
		await real.nextExecution(id, 0);
	});

	test('then events signed with the new token start one execution in each trigger, without re-activation', async () => {
		const connections = pusher.stats.connections;
		await expectBothTriggersRun(fake.accessToken);
		expect(pusher.stats.connections).toBe(connections);
	});

	test('a token rotated by another system is not refreshed: the execution says it was replaced', async () => {
		const before = await count(api.id);
		const theirs = fake.rotateAccessToken();
		secrets.push(theirs);
		fake.reset();
		const order = fake.addOrder(fx.sampleOrder({ id: uniqueId('api-order') }));
		const answer = await getOrder(api, order.id);
		expect(answer.status).toBeGreaterThanOrEqual(400);
		const execution = await real.nextExecution(api.id, before);
		expect(execution.status).toBe('error');
		expect(JSON.stringify(execution.data?.resultData.error ?? {})).toContain(REPLACED);
		expect(fake.refreshCalls).toBe(0);
		expect(fake.requestsTo('/partners/api/v2/orders')).toEqual([]); // no probe either
	});

	test('after the user pastes the current token into the credential, events signed with it run', async () => {
		const theirs = currentToken();
		await client.updateCredential(credential.id, { accessToken: theirs });
		await expectBothTriggersRun(theirs);

		fake.reset();
		const order = fake.addOrder(fx.sampleOrder({ id: uniqueId('api-order') }));
		expect((await getOrder(api, order.id)).status).toBe(200);
		expect(fake.refreshCalls).toBe(0);
	});

	test('an API error in the call that refreshed the token masks the new token', async () => {
		const expired = fake.setAccessToken(fake.expiredToken());
		secrets.push(expired);
		await client.updateCredential(credential.id, { accessToken: expired });
		fake.reset();
		// The retry with the new token fails with an answer that echoes that token.
		fake.failNext({
			path: '/partners/api/v2/order/',
			status: 500,
			authorized: true,
			echoToken: true,
		});
		const before = await count(tolerant.id);
		const answer = await getOrder(tolerant, uniqueId('any-order'));
		const refreshed = currentToken();
		expect(fake.refreshCalls).toBe(1);
		expect(fake.requestsTo('/partners/api/v2/order/').map((r) => r.accessToken)).toEqual([
			expired,
			refreshed,
		]);
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([{ error: 'Injected failure for access-token [redacted]' }]);
		const execution = await real.nextExecution(tolerant.id, before);
		expect(JSON.stringify(execution)).toContain('[redacted]');
		expect(JSON.stringify(execution)).not.toContain(refreshed);
	});

	test('a deleted credential stops verifying at the next read: 401, and one warning saying why', async () => {
		const hook = uniqueId('rotation-deleted-credential');
		const own = await client.createCredential('transakApi', fake.credentials());
		const { id } = await client.createWorkflow({
			name: 'Rotation: credential deleted',
			nodes: [real.transakTrigger({ webhookId: hook, credential: own, typeVersion: 2 })],
		});
		deletedTrigger = id;
		await real.activate(id, `${hook}/webhook`);
		const signedWith = (key: string) => deliverTo(hook, key, 'gone');
		expect((await signedWith(fake.accessToken)).status).toBe(200);
		await client.api('DELETE', `/credentials/${own.id}`);
		// A delivery no key verifies makes the trigger read the credential again (at most once a second).
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		expect((await signedWith('a-key-transak-never-used-0123456789')).status).toBe(401);
		for (let i = 0; i < 3; i++) expect((await signedWith(fake.accessToken)).status).toBe(401);
		const warnings = client.logs().split('Deliveries are refused (401) until it can be read again');
		expect(warnings.length - 1).toBe(1);
	});

	test('no token and no API secret in any execution or the n8n log', async () => {
		const data = await real.allExecutionData([api.id, tolerant.id, socket.id, webhook.id]);
		expect(data).toContain('ORDER_COMPLETED');
		real.expectNoneOf([...secrets, ...fake.validTokens], data, client.logs());
	});
});
