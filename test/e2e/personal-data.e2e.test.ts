/**
 * The Personal Data parameter in a real n8n: what n8n stores in its execution history for each
 * mode, read back through n8n's public API with the executions' full data.
 *
 * - Remove: none of the personal or payment values of Transak's documented order sample is stored
 *   anywhere in the execution (nor the signed token that carried them).
 * - Pseudonymise: the same customer gets the same pseudonym across executions; a workflow whose
 *   credential has another API key gets another.
 * - A workflow saved without the parameter (as every earlier one is) still stores today's item.
 */
import * as fx from '../../tools/transak/fixtures';
import { startPusherServer } from '../../tools/transak/pusher-server';
import * as real from '../support/real-n8n';
import { nextExecution, outputItems, uniqueId } from '../support/real-n8n';

const client = real.n8n().main;
const TRIGGER = 'Transak Trigger';
const WS_TRIGGER = 'Transak WebSocket Trigger';
const ACCESS_TOKEN = real.secret('pd-access-token');

/** The personal and payment values of Transak's documented order webhook sample. */
const SAMPLE = fx.sampleOrder();
const PERSONAL_VALUES: string[] = [
	SAMPLE.walletAddress,
	SAMPLE.walletLink,
	SAMPLE.userId,
	SAMPLE.ipAddress,
	SAMPLE.stateCode,
	SAMPLE.transactionHash,
	SAMPLE.transactionLink,
	SAMPLE.statusHistories[0].message,
	'GB69MOCK00000003743944',
	'Scale Space, 58 Wood Lane, London, W12 7RZ',
	SAMPLE.cardPaymentData.paymentId,
];

type PusherServer = Awaited<ReturnType<typeof startPusherServer>>;
let pusher: PusherServer;
const active: string[] = [];

interface Hooked {
	id: string;
	hook: string;
}

async function webhookWorkflow(
	label: string,
	credential: { id: string; name: string },
	personalData?: string,
): Promise<Hooked> {
	const hook = uniqueId(label);
	const parameters = personalData === undefined ? {} : { personalData };
	const { id } = await client.createWorkflow({
		name: `Personal data: ${label}`,
		nodes: [real.transakTrigger({ webhookId: hook, credential, parameters })],
	});
	await real.activate(id, `${hook}/webhook`);
	active.push(id);
	return { id, hook };
}

/** Delivers a genuine ORDER_COMPLETED of the sample's customer; returns the item n8n stored. */
async function deliver(workflow: Hooked, orderId = uniqueId('pd-order')) {
	const before = (await real.executions(workflow.id)).length;
	const body = fx.orderWebhookBody(
		'ORDER_COMPLETED',
		fx.sampleOrder({ id: orderId }),
		ACCESS_TOKEN,
	);
	const answer = await real.post(client, `${workflow.hook}/webhook`, body);
	expect(answer.status).toBe(200);
	const execution = await nextExecution(workflow.id, before);
	expect(execution.status).toBe('success');
	return { item: outputItems(execution, TRIGGER)[0], token: body.data as string };
}

let credentialA: { id: string; name: string };
let credentialB: { id: string; name: string };

beforeAll(async () => {
	credentialA = await real.signingCredential(client, {
		accessToken: ACCESS_TOKEN,
		apiKey: uniqueId('pd-key-a'),
	});
	credentialB = await real.signingCredential(client, {
		accessToken: ACCESS_TOKEN,
		apiKey: uniqueId('pd-key-b'),
	});
	pusher = await startPusherServer({ port: 0, key: `pd-app-${Date.now()}` });
});

afterAll(async () => {
	await real.deactivate(active);
	await pusher?.close();
});

describe(`Personal Data in n8n ${client.version}`, () => {
	test('Remove: the execution stores none of the personal or payment values, nor the token', async () => {
		const workflow = await webhookWorkflow('remove', credentialA, 'remove');
		const orderId = uniqueId('pd-removed');
		const { item, token } = await deliver(workflow, orderId);
		expect(item).toMatchObject({ eventID: 'ORDER_COMPLETED', status: 'COMPLETED', orderId });
		expect(item.fiatAmount).toBe(SAMPLE.fiatAmount);

		const stored = await real.allExecutionData([workflow.id]);
		expect(stored).toContain(orderId);
		for (const value of [...PERSONAL_VALUES, token]) expect(stored).not.toContain(value);
	});

	test('Pseudonymise: one pseudonym per customer and credential', async () => {
		const onA = await webhookWorkflow('pseudonyms-a', credentialA, 'pseudonymise');
		const onB = await webhookWorkflow('pseudonyms-b', credentialB, 'pseudonymise');
		const first = (await deliver(onA)).item;
		const second = (await deliver(onA)).item;
		const other = (await deliver(onB)).item;

		expect(first.walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(second.walletAddress).toBe(first.walletAddress);
		expect(second.userId).toBe(first.userId);
		expect(other.walletAddress).not.toBe(first.walletAddress);
		const stored = await real.allExecutionData([onA.id, onB.id]);
		for (const value of PERSONAL_VALUES) expect(stored).not.toContain(value);
	});

	test('a workflow saved without the parameter still stores the whole order', async () => {
		const workflow = await webhookWorkflow('saved-earlier', credentialA);
		const { item } = await deliver(workflow);
		expect(item.walletAddress).toBe(SAMPLE.walletAddress);
		expect(item.cardPaymentData).toEqual(SAMPLE.cardPaymentData);
	});

	test('WebSocket Trigger, Remove: the stored event carries no personal or payment value', async () => {
		const channel = uniqueId('pd-ws-order');
		const id = await real.activateSubscribed(pusher, channel, {
			name: 'Personal data: WebSocket remove',
			nodes: [
				real.webSocketTrigger({
					credential: credentialA,
					pusher,
					parameters: { channel: 'orderId', orderId: channel, personalData: 'remove' },
				}),
			],
		});
		active.push(id);
		pusher.publish(channel, 'ORDER_COMPLETED', fx.sampleOrder({ id: channel }));
		const execution = await nextExecution(id, 0);
		expect(execution.status).toBe('success');
		expect(outputItems(execution, WS_TRIGGER)[0]).toMatchObject({
			orderId: channel,
			status: 'COMPLETED',
		});
		const stored = await real.allExecutionData([id]);
		for (const value of PERSONAL_VALUES) expect(stored).not.toContain(value);
	});
});
