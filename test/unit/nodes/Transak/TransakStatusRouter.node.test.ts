import type { INodeExecutionData } from 'n8n-workflow';

import {
	configuredOutputs,
	outputsExpression,
	ROUTER_VERSIONS,
	TransakStatusRouter,
	versionedParts,
} from '../../../../nodes/Transak/TransakStatusRouter.node';
import { decodeEvent, deliveryItem, orderItem } from '../../../../nodes/Transak/model/decode';
import { outputIndexForStatus, selectedRoutes } from '../../../../nodes/Transak/model/routes';
import {
	OTHER_ROUTE_NAME,
	ROUTE_KEYS,
	ROUTES,
	type RouteKey,
} from '../../../../nodes/Transak/model/statuses';
import { CONTRACT } from '../../support/contract';
import { executeContext, n8nOutputs, nodeOf } from '../../support/n8n';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const {
	sampleOrder,
	ORDER_LIFECYCLE,
	KYC_LIFECYCLE,
} = require('../../../../tools/transak/fixtures');

const CONTRACT_OUTPUTS = [...CONTRACT.map(([name]) => name), 'Other'];

interface RunOptions {
	routes?: unknown;
	status?: (item: INodeExecutionData, index: number) => unknown;
	continueOnFail?: boolean;
}

async function route(items: INodeExecutionData[], options: RunOptions = {}) {
	const { context } = executeContext({
		items,
		node: { name: 'Router', type: 'n8n-nodes-transak.transakStatusRouter' },
		continueOnFail: options.continueOnFail,
		parameters: {
			// What the default `={{ $json.status }}` evaluates to, or a custom expression.
			status: (index: number, item: INodeExecutionData) =>
				options.status ? options.status(item, index) : item.json.status,
			...(options.routes !== undefined ? { routes: options.routes } : {}),
		},
	});
	return await new TransakStatusRouter().execute.call(context);
}

function outputNamesFor(routes: readonly RouteKey[]): string[] {
	return [...routes.map((key) => ROUTES.find((r) => r.key === key)!.name), OTHER_ROUTE_NAME];
}

/** Runs the router and looks its outputs up by name, as a workflow connects them. */
async function routeByName(items: INodeExecutionData[], options: RunOptions = {}) {
	const outputs = await route(items, options);
	const names = outputNamesFor(selectedRoutes(options.routes, 1));
	expect(outputs).toHaveLength(names.length);
	const output = (name: string) => {
		expect(names).toContain(name);
		return outputs[names.indexOf(name)];
	};
	return { outputs, output, indexOf: (name: string) => names.indexOf(name) };
}

describe('Transak Status Router outputs', () => {
	it('describes the contract outputs by default, Other last', () => {
		expect(
			configuredOutputs(
				1,
				undefined,
				ROUTES.map((r) => [r.key, r.name, r.since]),
				OTHER_ROUTE_NAME,
			).map((o) => o.displayName),
		).toEqual(CONTRACT_OUTPUTS);
	});

	it('computes its outputs with n8n-workflow’s own expression engine, for every selection', () => {
		const router = new TransakStatusRouter();
		expect(router.description.outputs).toBe(outputsExpression(ROUTES));
		const selections: Array<RouteKey[] | undefined> = [
			undefined,
			[...ROUTE_KEYS],
			['completed', 'failed'],
			['kycRejected', 'awaitingPayment'],
			[],
		];
		for (const routes of selections) {
			const node = nodeOf({
				id: 'r',
				name: 'Router',
				type: 'n8n-nodes-transak.transakStatusRouter',
				parameters: routes === undefined ? {} : { routes },
			});
			const outputs = n8nOutputs(router, node);
			const names = outputs.map(([, name]) => name);
			expect(names).toEqual(outputNamesFor(selectedRoutes(routes, 1)));
			expect(outputs.every(([type]) => type === 'main')).toBe(true);
		}
	});
});

describe('Transak Status Router versions', () => {
	it('has a version for every version a route joined, and routes join in version order', () => {
		for (const route of ROUTES) expect(ROUTER_VERSIONS).toContain(route.since);
		const joined = ROUTES.map((route) => route.since);
		expect(joined).toEqual([...joined].sort((a, b) => a - b));
		const { description } = new TransakStatusRouter();
		expect(description.version).toEqual(ROUTER_VERSIONS);
		expect(description.defaultVersion).toBe(Math.max(...ROUTER_VERSIONS));
	});

	it('a node of an earlier version sends a status of a later route to Other', async () => {
		const later = { ...ROUTES[0], since: 99 };
		const description = versionedParts([...ROUTES.slice(1), later], [1, 99]);
		const v1 = description.properties.find(
			(p) => p.name === 'routes' && p.displayOptions?.show?.['@version']?.[0] === 1,
		)!;
		const v99 = description.properties.find(
			(p) => p.name === 'routes' && p.displayOptions?.show?.['@version']?.[0] === 99,
		)!;
		expect(v1.default).not.toContain(later.key);
		expect(v99.default).toEqual([...ROUTE_KEYS.slice(1), later.key]);
		expect(configuredOutputs(1, undefined, [[later.key, later.name, 99]], 'Other')).toEqual([
			{ type: 'main', displayName: 'Other' },
		]);
		expect(configuredOutputs(99, undefined, [[later.key, later.name, 99]], 'Other')).toHaveLength(
			2,
		);
	});
});

describe('Transak Status Router execution', () => {
	it('routes one item per contract status to its output, with pairedItem', async () => {
		const statuses = CONTRACT.flatMap(([, s]) => s);
		const items = statuses.map((status) => ({ json: { status, n: status } }));
		const { outputs, output } = await routeByName(items);
		for (const [name, expected] of CONTRACT)
			expect(output(name).map((i) => i.json.status)).toEqual(expected);
		expect(output(OTHER_ROUTE_NAME)).toEqual([]);
		for (const output of outputs) {
			for (const item of output) {
				const input = statuses.indexOf(item.json.status as string);
				expect(item.pairedItem).toEqual({ item: input });
				expect(item.json).toBe(items[input].json);
			}
		}
	});

	it('sends unknown, missing, empty and non-string statuses to Other and never drops an item', async () => {
		const items: INodeExecutionData[] = [
			{ json: { status: 'SOMETHING_NEW' } },
			{ json: {} },
			{ json: { status: '' } },
			{ json: { status: 42 } },
			{ json: { status: null } },
			{ json: { status: 'completed' } },
		];
		const { outputs, output } = await routeByName(items);
		expect(output(OTHER_ROUTE_NAME).map((i) => i.pairedItem)).toEqual(
			[0, 1, 2, 3, 4].map((item) => ({ item })),
		);
		expect(output('Completed').map((i) => i.pairedItem)).toEqual([{ item: 5 }]);
		expect(outputs.flat()).toHaveLength(items.length);
	});

	it('with a subset of routes has only those outputs plus Other, and unselected statuses go to Other', async () => {
		const items = ['COMPLETED', 'FAILED', 'PROCESSING', 'APPROVED', 'cancelled'].map((status) => ({
			json: { status },
		}));
		const { outputs, output } = await routeByName(items, { routes: ['failed', 'completed'] });
		expect(outputs).toHaveLength(3);
		expect(output('Completed').map((i) => i.json.status)).toEqual(['COMPLETED']);
		expect(output('Failed').map((i) => i.json.status)).toEqual(['FAILED', 'cancelled']);
		expect(output(OTHER_ROUTE_NAME).map((i) => i.json.status)).toEqual(['PROCESSING', 'APPROVED']);
	});

	it('with no route selected sends everything to its only output, Other', async () => {
		const items = [{ json: { status: 'COMPLETED' } }, { json: { status: 'x' } }];
		const { outputs, output } = await routeByName(items, { routes: [] });
		expect(outputs).toHaveLength(1);
		expect(output(OTHER_ROUTE_NAME)).toHaveLength(2);
	});

	it('reads the status from a custom expression value', async () => {
		const items = [{ json: { order: { state: 'refunded' } } }];
		const { output } = await routeByName(items, {
			status: (item) => (item.json.order as { state: string }).state,
		});
		expect(output('Refunded')).toHaveLength(1);
	});

	it('keeps binary data', async () => {
		const binary = { data: { data: 'aGk=', mimeType: 'text/plain' } };
		const { output } = await routeByName([{ json: { status: 'COMPLETED' }, binary }]);
		expect(output('Completed')[0].binary).toBe(binary);
	});

	it('routes the items the triggers and the Transak node produce', async () => {
		const items: INodeExecutionData[] = [];
		const expected: number[] = [];
		for (const [eventID, status] of [...ORDER_LIFECYCLE.BUY, ...ORDER_LIFECYCLE.SELL] as Array<
			[string, string]
		>) {
			const result = decodeEvent({ eventID, webhookData: sampleOrder({ status }) });
			if (!result.ok) throw new Error(result.message);
			items.push({ json: result.event.json });
			expected.push(outputIndexForStatus(status, ROUTE_KEYS));
		}
		for (const [eventID, kycStatus] of KYC_LIFECYCLE as Array<[string, string]>) {
			const result = decodeEvent({ eventID, kycStatus, partnerUserId: 'user-1' });
			if (!result.ok) throw new Error(result.message);
			items.push({ json: result.event.json });
			expected.push(outputIndexForStatus(kycStatus, ROUTE_KEYS));
		}
		items.push({
			json: orderItem(sampleOrder({ status: 'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK' })),
		});
		expected.push(ROUTE_KEYS.indexOf('onHold'));
		items.push({
			json: deliveryItem({
				id: 'w1',
				eventID: 'ORDER_REFUNDED',
				webhookData: sampleOrder({ status: 'REFUNDED' }),
			}),
		});
		expected.push(ROUTE_KEYS.indexOf('refunded'));

		const { outputs, indexOf } = await routeByName(items);
		const landed = new Array<number>(items.length);
		outputs.forEach((output, index) =>
			output.forEach((item) => (landed[(item.pairedItem as { item: number }).item] = index)),
		);
		expect(landed).toEqual(expected);
		expect(expected).not.toContain(indexOf(OTHER_ROUTE_NAME));
	});

	it('continueOnFail: an item whose status cannot be read goes to Other with the error', async () => {
		const items = [{ json: { status: 'COMPLETED' } }, { json: { status: 'COMPLETED' } }];
		const status = (_: INodeExecutionData, index: number) => {
			if (index === 1) throw new Error('bad expression');
			return 'COMPLETED';
		};
		const { output } = await routeByName(items, { status, continueOnFail: true });
		expect(output('Completed')).toHaveLength(1);
		expect(output(OTHER_ROUTE_NAME)).toEqual([
			{ json: { status: 'COMPLETED', error: 'bad expression' }, pairedItem: { item: 1 } },
		]);
		await expect(route(items, { status })).rejects.toMatchObject({
			message: 'bad expression',
			context: { itemIndex: 1 },
		});
	});
});
