/**
 * "Listen for test event": while the editor listens (manual mode), the Transak Trigger replays
 * Transak's latest delivery of a selected event, from the fake partner API's webhook history, to
 * its test URL (a real HTTP server here), and that request then goes through webhook() as any
 * delivery does. Published workflows (every other mode) are untouched.
 */
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { TransakTrigger } from '../../../../../nodes/Transak/TransakTrigger.node';
import { sampleOrder } from '../../../../../tools/transak/fixtures';
import { startFake, type FakeApi } from '../../../support/api';
import { webhookContext } from '../../../support/n8n';
import { sleep, until } from '../../../support/wait';
import { callWebhook } from '../../../support/webhook';

let fake: FakeApi;
let server: Server;
let testUrl: string;
let received: unknown[];

const credentialsOf = (overrides: IDataObject = {}) => fake.credentials(overrides) as IDataObject;

beforeEach(async () => {
	fake = await startFake();
	received = [];
	server = createServer((req, res) => {
		let text = '';
		req.on('data', (chunk) => (text += chunk));
		req.on('end', () => {
			received.push(JSON.parse(text));
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	testUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-test/id/webhook`;
});

afterEach(async () => {
	await new Promise((resolve) => server.close(resolve));
	await fake.close();
});

function hook(mode: string, parameters: IDataObject, credentials = credentialsOf()) {
	const { context, recorded } = webhookContext({ mode: mode as never, parameters, credentials });
	const withUrl = { ...context, getNodeWebhookUrl: () => testUrl } as unknown as IHookFunctions;
	return { hooks: new TransakTrigger().webhookMethods.default, context: withUrl, recorded };
}

/** What n8n does when the editor listens: checkExists, then create when it says false. */
async function listen(mode: string, parameters: IDataObject) {
	const { hooks, context, recorded } = hook(mode, parameters);
	if (!(await hooks.checkExists.call(context))) await hooks.create.call(context);
	return recorded;
}

const order = (id: string, status: string) => sampleOrder({ id, status });

it('replays the latest delivery of a selected event to the test URL, and webhook() emits it', async () => {
	fake.seedWebhooks([
		{
			eventID: 'ORDER_COMPLETED',
			order: order('old', 'COMPLETED'),
			createdAt: '2026-01-01T00:00:00Z',
		},
		{
			eventID: 'ORDER_COMPLETED',
			order: order('new', 'COMPLETED'),
			createdAt: '2026-03-01T00:00:00Z',
		},
		{
			eventID: 'ORDER_FAILED',
			order: order('newest', 'FAILED'),
			createdAt: '2026-04-01T00:00:00Z',
		},
	]);
	const recorded = await listen('manual', { events: ['ORDER_COMPLETED'], options: {} });
	await until(() => received.length === 1);

	const delivered = await callWebhook({
		body: received[0],
		events: ['ORDER_COMPLETED'],
		credentials: credentialsOf(),
	});
	expect(delivered.status).toBe(200);
	expect(delivered.items).toHaveLength(1);
	expect(delivered.items[0]).toMatchObject({
		eventID: 'ORDER_COMPLETED',
		orderId: 'new',
		status: 'COMPLETED',
	});
	await until(() => recorded.logs.some((l) => l.message.includes('replayed')));
	const text = JSON.stringify(recorded.logs);
	expect(text).toContain("replayed Transak's latest ORDER_COMPLETED delivery");
	expect(text).not.toContain(fake.credentials().accessToken);
});

it('with every event selected, replays the newest delivery', async () => {
	fake.seedWebhooks([
		{
			eventID: 'ORDER_COMPLETED',
			order: order('a', 'COMPLETED'),
			createdAt: '2026-01-01T00:00:00Z',
		},
		{ eventID: 'ORDER_FAILED', order: order('b', 'FAILED'), createdAt: '2026-04-01T00:00:00Z' },
	]);
	await listen('manual', { events: [], options: {} });
	await until(() => received.length === 1);
	const delivered = await callWebhook({ body: received[0], credentials: credentialsOf() });
	expect(delivered.items[0]).toMatchObject({ eventID: 'ORDER_FAILED', orderId: 'b' });
});

it('says so in the log when the history has nothing to replay, and posts nothing', async () => {
	fake.seedWebhooks([]);
	const recorded = await listen('manual', { events: ['KYC_APPROVED'], options: {} });
	await until(() => recorded.logs.some((l) => l.message.includes('test event')));
	expect(recorded.logs.map((l) => l.message).join('\n')).toContain(
		'has no delivery of KYC_APPROVED',
	);
	expect(received).toEqual([]);
});

it('says why in the log when Transak refuses the token (no API secret to refresh it), and posts nothing', async () => {
	fake.seedWebhooks([{ eventID: 'ORDER_COMPLETED', order: order('a', 'COMPLETED') }]);
	const wrong = credentialsOf({ accessToken: 'wrong-token-123456', apiSecret: '' });
	const { hooks, context, recorded } = hook('manual', { events: [], options: {} }, wrong);
	await hooks.create.call(context);
	await until(() => recorded.logs.some((l) => l.message.includes('test event')));
	const text = recorded.logs.map((l) => l.message).join('\n');
	expect(text).toContain('no test event');
	expect(text).not.toContain('wrong-token-123456');
	expect(received).toEqual([]);
});

it.each([['trigger'], ['webhook'], ['internal']])(
	'does nothing outside the editor (%s mode): published workflows answer Transak as before',
	async (mode) => {
		fake.seedWebhooks([{ eventID: 'ORDER_COMPLETED', order: order('a', 'COMPLETED') }]);
		const { hooks, context } = hook(mode, { events: [], options: {} });
		expect(await hooks.checkExists.call(context)).toBe(true);
		expect(await hooks.create.call(context)).toBe(true);
		await sleep(100);
		expect(fake.requests.filter((r: { path: string }) => r.path.includes('webhooks'))).toEqual([]);
		expect(received).toEqual([]);
	},
);

it("option Test Event 'Wait for Transak' leaves the test URL to Transak", async () => {
	fake.seedWebhooks([{ eventID: 'ORDER_COMPLETED', order: order('a', 'COMPLETED') }]);
	await listen('manual', { events: [], options: { testEvent: 'wait' } });
	await sleep(100);
	expect(fake.requests.filter((r: { path: string }) => r.path.includes('webhooks'))).toEqual([]);
	expect(received).toEqual([]);
});
