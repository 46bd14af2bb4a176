/**
 * Transak's rotating access token in queue mode: the worker that runs the Transak node refreshes
 * the expired token and stores the new one in the credential (PostgreSQL); the WebSocket trigger
 * on the main instance and the Transak Trigger on every webhook processor read it from there when
 * an event signed with it fails verification with the keys they hold, and verify that same event.
 * Nothing is re-activated, and no token appears in an execution or a log.
 */
import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { executions, outputItems, ranBy, uniqueId } from '../support/real-n8n';

const { main, webhooks } = real.n8n();

type Setup = Awaited<ReturnType<typeof real.expiredTokenSetup>>;
let setup: Setup;
let fake: Setup['fake'];
let pusher: Setup['pusher'];
let api: Setup['api'];
let webhook: Setup['webhook'];
const socket = { id: '' };
/** Every token n8n was given or obtained, and the API secret: none may leak. */
const secrets: string[] = [];

beforeAll(async () => {
	setup = await real.expiredTokenSetup('Queue rotation');
	({ fake, pusher, api, webhook } = setup);
	socket.id = setup.socket;
	secrets.push(setup.expired, fake.apiSecret);
});

afterAll(async () => {
	await real.deactivate([setup?.api.id, setup?.socket, setup?.webhook.id]);
	await setup?.pusher.close();
	await setup?.fake.close();
});

describe(`Transak access-token rotation in queue mode (n8n ${main.version})`, () => {
	test('the worker refreshes the expired token once and stores it', async () => {
		const before = (await executions(api.id)).length;
		const order = fake.addOrder(fx.sampleOrder({ id: uniqueId('queue-api-order') }));
		fake.reset();
		const answer = await real.post(webhooks[0], api.hook, { orderId: order.id });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([expect.objectContaining({ orderId: order.id })]);
		expect(fake.refreshCalls).toBe(1);
		secrets.push(fake.accessToken);
		const execution = await real.nextExecution(api.id, before);
		real.expectRanByOneWorker(execution.id);
	});

	test('the main instance’s WebSocket trigger takes an event signed with the new token, without re-activation', async () => {
		const before = (await executions(socket.id)).length;
		const connections = pusher.stats.connections;
		const order = fx.sampleOrder({ id: uniqueId('queue-ws-order'), status: 'COMPLETED' });
		pusher.publish(
			setup.apiKey,
			'ORDER_COMPLETED',
			fx.signedOrder('ORDER_COMPLETED', order, fake.accessToken),
		);
		const execution = await real.nextExecution(socket.id, before);
		expect(outputItems(execution, 'Transak WebSocket Trigger')[0]?.orderId).toBe(order.id);
		expect(pusher.stats.connections).toBe(connections);
	});

	test.each([0, 1])(
		'webhook processor %i takes a delivery signed with the new token',
		async (index) => {
			const before = (await executions(webhook.id)).length;
			const order = fx.sampleOrder({ id: uniqueId(`queue-webhook-${index}`) });
			const body = fx.orderWebhookBody('ORDER_COMPLETED', order, fake.accessToken);
			const answer = await real.post(webhooks[index], `${webhook.hook}/webhook`, body);
			expect(answer.status).toBe(200);
			const execution = await real.nextExecution(webhook.id, before);
			expect(outputItems(execution, 'Transak Trigger')[0]?.orderId).toBe(order.id);
		},
	);

	test('no token and no API secret in any execution or process log', async () => {
		const data = await real.allExecutionData([api.id, socket.id, webhook.id]);
		expect(data).toContain('ORDER_COMPLETED');
		real.expectNoneOf([...secrets, ...fake.validTokens], data, real.allLogs());
	});
});

describe(`One token refresh across the workers (n8n ${main.version}, ${real.n8n().workers.length} workers)`, () => {
	let many: Setup;

	beforeAll(async () => {
		many = await real.expiredTokenSetup('Queue refresh once');
	});

	afterAll(async () => {
		await real.deactivate([many?.api.id, many?.socket, many?.webhook.id]);
		await many?.pusher.close();
		await many?.fake.close();
	});

	test('40 concurrent executions meet the expired token on both workers: Transak refreshes once, none fails', async () => {
		const order = many.fake.addOrder(fx.sampleOrder({ id: uniqueId('queue-refresh-once') }));
		many.fake.reset();
		const before = (await executions(many.api.id)).length;
		const answers = await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				real.post(webhooks[i % webhooks.length], many.api.hook, { orderId: order.id }),
			),
		);
		expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
		for (const answer of answers)
			expect(answer.json).toEqual([expect.objectContaining({ orderId: order.id })]);
		expect(many.fake.refreshCalls).toBe(1);
		const runs = (await real.exactlyExecutions(many.api.id, before + 40)).slice(before);
		expect(runs.every((run) => run.status === 'success')).toBe(true);
		// Both workers took part: the lock, not one process, kept it to one refresh.
		const workersUsed = new Set(runs.flatMap((run) => ranBy(run.id)));
		expect(workersUsed.size).toBe(2);
		real.expectNoneOf(
			[many.expired, many.fake.apiSecret, ...many.fake.validTokens],
			real.allLogs(),
		);
	});
});
