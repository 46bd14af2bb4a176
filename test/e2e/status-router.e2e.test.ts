/**
 * Transak Trigger -> Transak Status Router in a real n8n: signed deliveries over HTTP land on the
 * router output of their status group, and only the node wired to that output runs.
 */
import * as fx from '../../tools/transak/fixtures';
import * as real from '../support/real-n8n';
import { executions, node, outputItems, uniqueId, type Execution } from '../support/real-n8n';

const client = real.n8n().main;
const ACCESS_TOKEN = real.secret('router-access-token');
const TRIGGER = 'Transak Trigger';
const ROUTER = 'Transak Status Router';

/** Default routes: outputs 0-8 as in the contract, then Other (9). */
const OUTPUT = { completed: 3, failed: 4, kycApproved: 7, other: 9 } as const;
const ALL_OUTPUTS = 10;

const full = { id: '', hook: uniqueId('router-full') };
const narrowed = { id: '', hook: uniqueId('router-narrowed') };

function workflow(
	name: string,
	hook: string,
	credential: { id: string; name: string },
	routerParameters: Record<string, unknown>,
	links: Array<[string, string, number]>,
) {
	const handlers = [...new Set(links.map(([, to]) => to))];
	return {
		name,
		nodes: [
			real.transakTrigger({ webhookId: hook, credential }),
			node(ROUTER, `${real.PACKAGE}.transakStatusRouter`, routerParameters, {
				position: [250, 0],
			}),
			...handlers.map((handler, i) =>
				node(handler, 'n8n-nodes-base.noOp', {}, { position: [500, i * 120] }),
			),
		],
		connections: real.connect([
			[TRIGGER, ROUTER, 0],
			...links.map(([from, to, index]) => [from, to, index] as [string, string, number]),
		]),
	};
}

async function deliver(hook: string, claims: Record<string, unknown>) {
	const answer = await real.post(client, `${hook}/webhook`, {
		data: fx.sign(claims, ACCESS_TOKEN),
	});
	expect(answer.status).toBe(200);
}

async function nextExecution(workflowId: string, before: number): Promise<Execution> {
	const execution = await real.nextExecution(workflowId, before);
	expect(execution.status).toBe('success');
	return execution;
}

/** How many items the router put on each of its outputs. */
function routerCounts(execution: Execution, outputs: number): number[] {
	return Array.from(
		{ length: outputs },
		(_, index) => outputItems(execution, ROUTER, index).length,
	);
}

function onlyOn(index: number, outputs: number): number[] {
	return Array.from({ length: outputs }, (_, i) => (i === index ? 1 : 0));
}

/** Delivers an order event to `flow` and returns the order and the one execution it started. */
async function route(flow: { id: string; hook: string }, eventID: string, status: string) {
	const before = (await executions(flow.id)).length;
	const order = fx.sampleOrder({ id: uniqueId(status.toLowerCase()), status });
	await deliver(flow.hook, fx.orderClaims(eventID, order));
	return { order, execution: await nextExecution(flow.id, before) };
}

beforeAll(async () => {
	const credential = await real.signingCredential(client, { accessToken: ACCESS_TOKEN });
	full.id = (
		await client.createWorkflow(
			workflow('Transak router: every route', full.hook, credential, {}, [
				[ROUTER, 'On Completed', OUTPUT.completed],
				[ROUTER, 'On Failed', OUTPUT.failed],
				[ROUTER, 'On Other', OUTPUT.other],
			]),
		)
	).id;
	// Only two routes selected: outputs Completed (0), Failed (1), Other (2).
	narrowed.id = (
		await client.createWorkflow(
			workflow(
				'Transak router: two routes',
				narrowed.hook,
				credential,
				{ routes: ['completed', 'failed'] },
				[
					[ROUTER, 'On Completed', 0],
					[ROUTER, 'On Failed', 1],
					[ROUTER, 'On Other', 2],
				],
			),
		)
	).id;
	await real.activate(full.id, `${full.hook}/webhook`);
	await real.activate(narrowed.id, `${narrowed.hook}/webhook`);
});

describe(`Transak Status Router in n8n ${client.version}`, () => {
	test('a COMPLETED order reaches the Completed output and only its handler runs', async () => {
		const { order, execution } = await route(full, 'ORDER_COMPLETED', 'COMPLETED');

		expect(routerCounts(execution, ALL_OUTPUTS)).toEqual(onlyOn(OUTPUT.completed, ALL_OUTPUTS));
		expect(outputItems(execution, ROUTER, OUTPUT.completed)[0]).toMatchObject({
			orderId: order.id,
			status: 'COMPLETED',
		});
		expect(outputItems(execution, 'On Completed')).toEqual([
			expect.objectContaining({ orderId: order.id }),
		]);
		expect(execution.data?.resultData.runData['On Failed']).toBeUndefined();
		expect(execution.data?.resultData.runData['On Other']).toBeUndefined();
	});

	test('a FAILED order reaches the Failed output and only its handler runs', async () => {
		const { order, execution } = await route(full, 'ORDER_FAILED', 'FAILED');

		expect(routerCounts(execution, ALL_OUTPUTS)).toEqual(onlyOn(OUTPUT.failed, ALL_OUTPUTS));
		expect(outputItems(execution, 'On Failed')).toEqual([
			expect.objectContaining({ orderId: order.id, status: 'FAILED' }),
		]);
		expect(execution.data?.resultData.runData['On Completed']).toBeUndefined();
	});

	test('a KYC approval reaches the KYC Approved output', async () => {
		const before = (await executions(full.id)).length;
		await deliver(
			full.hook,
			fx.kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: uniqueId('user') }),
		);
		const execution = await nextExecution(full.id, before);
		expect(routerCounts(execution, ALL_OUTPUTS)).toEqual(onlyOn(OUTPUT.kycApproved, ALL_OUTPUTS));
	});

	test('an unknown status reaches Other', async () => {
		const { order, execution } = await route(full, 'ORDER_PROCESSING', 'SOMETHING_NEW');
		expect(routerCounts(execution, ALL_OUTPUTS)).toEqual(onlyOn(OUTPUT.other, ALL_OUTPUTS));
		expect(outputItems(execution, 'On Other')).toEqual([
			expect.objectContaining({ orderId: order.id }),
		]);
	});

	test('with only some routes selected, outputs shrink and everything else goes to Other', async () => {
		const cases: Array<[string, string, number]> = [
			['ORDER_COMPLETED', 'COMPLETED', 0],
			['ORDER_FAILED', 'CANCELLED', 1],
			['ORDER_REFUNDED', 'REFUNDED', 2],
		];
		for (const [eventID, status, output] of cases) {
			const { order, execution } = await route(narrowed, eventID, status);
			expect(routerCounts(execution, 3)).toEqual(onlyOn(output, 3));
			expect(outputItems(execution, ['On Completed', 'On Failed', 'On Other'][output])).toEqual([
				expect.objectContaining({ orderId: order.id, status }),
			]);
		}
	});
});
