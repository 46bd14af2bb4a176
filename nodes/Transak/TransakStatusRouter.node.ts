import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { outputIndexForStatus, ROUTE_OPTIONS, selectedRoutes } from './model/routes';
import { OTHER_ROUTE_NAME, ROUTE_KEYS, ROUTES } from './model/statuses';

/** `[key, output name]` for every route, in contract order: data for the outputs expression. */
const ROUTE_NAMES: Array<[string, string]> = ROUTES.map((route) => [route.key, route.name]);

/**
 * Computes the outputs from the `routes` parameter. n8n evaluates it as an expression (in the
 * editor and in the engine), so it must be self-contained: everything it needs comes in as
 * arguments. Mirrors `selectedRoutes()`; a test checks that both agree.
 */
/* istanbul ignore next: instrumentation would break the function's source */
export function configuredOutputs(
	routes: unknown,
	all: Array<[string, string]>,
	otherName: string,
) {
	const chosen = Array.isArray(routes) ? routes : all.map((entry) => entry[0]);
	const outputs = all
		.filter((entry) => chosen.includes(entry[0]))
		.map((entry) => ({ type: 'main', displayName: entry[1] }));
	outputs.push({ type: 'main', displayName: otherName });
	return outputs;
}

export const OUTPUTS_EXPRESSION = `={{(${configuredOutputs.toString()})($parameter.routes, ${JSON.stringify(
	ROUTE_NAMES,
)}, ${JSON.stringify(OTHER_ROUTE_NAME)})}}`;

// A flow node with one output per status group: nothing an AI agent could call as a tool.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class TransakStatusRouter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak Status Router',
		name: 'transakStatusRouter',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: 'Route by Transak status',
		description:
			'Routes Transak orders and KYC events to one output per status group: awaiting payment, processing, completed, failed…',
		defaults: { name: 'Transak Status Router' },
		inputs: [NodeConnectionTypes.Main],
		outputs: OUTPUTS_EXPRESSION as `={{${string}}}`,
		properties: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'string',
				default: '={{ $json.status }}',
				description:
					'Transak order status (e.g. COMPLETED) or KYC status (e.g. APPROVED) of the item. Case and surrounding spaces do not matter.',
			},
			{
				displayName: 'Routes',
				name: 'routes',
				type: 'multiOptions',
				// The outputs are drawn from the raw parameter: an expression here could not shape them.
				noDataExpression: true,
				options: ROUTE_OPTIONS,
				default: [...ROUTE_KEYS],
				description:
					'Which outputs the node has. They always keep this order, followed by Other. Items whose route is not selected, with an unknown status or with none go to Other.',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const routes = selectedRoutes(this.getNodeParameter('routes', 0, ROUTE_KEYS));
		const outputs: INodeExecutionData[][] = Array.from({ length: routes.length + 1 }, () => []);
		const other = routes.length;

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const item = items[itemIndex];
			const pairedItem = { item: itemIndex };
			let status: unknown;
			try {
				status = this.getNodeParameter('status', itemIndex, '');
			} catch (error) {
				if (!this.continueOnFail()) {
					throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
				}
				// The item still goes somewhere: Other, with the reason beside its data.
				outputs[other].push({
					json: { ...item.json, error: (error as Error).message },
					pairedItem,
				});
				continue;
			}
			outputs[outputIndexForStatus(status, routes)].push({
				json: item.json,
				...(item.binary !== undefined ? { binary: item.binary } : {}),
				pairedItem,
			});
		}
		return outputs;
	}
}
