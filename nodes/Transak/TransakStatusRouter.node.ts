import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	outputIndexForStatus,
	routeOptions,
	routesOfVersion,
	selectedRoutes,
} from './model/routes';
import { OTHER_ROUTE_NAME, ROUTES, type RouteDefinition } from './model/statuses';

/**
 * The router's versions. A status row with its own output names the version it joined (`since` in
 * model/statuses.ts); that version is listed here, and earlier versions keep their outputs.
 */
export const ROUTER_VERSIONS = [1];

/**
 * Computes the outputs from the node version and the `routes` parameter. n8n evaluates it as an
 * expression (in the editor and in the engine), so it must be self-contained: everything it needs
 * comes in as arguments (`all`: `[key, output name, since]` per route). Mirrors `selectedRoutes()`;
 * a test checks that both agree.
 */
/* istanbul ignore next: instrumentation would break the function's source */
export function configuredOutputs(
	version: unknown,
	routes: unknown,
	all: Array<[string, string, number]>,
	otherName: string,
) {
	const own = all.filter((entry) => !(Number(version) < entry[2]));
	const chosen = Array.isArray(routes) ? routes : own.map((entry) => entry[0]);
	const outputs = own
		.filter((entry) => chosen.includes(entry[0]))
		.map((entry) => ({ type: 'main', displayName: entry[1] }));
	outputs.push({ type: 'main', displayName: otherName });
	return outputs;
}

/** The outputs expression for a route table. */
export function outputsExpression(routes: readonly RouteDefinition[]): `={{${string}}}` {
	const table = routes.map((route) => [route.key, route.name, route.since]);
	return `={{(${configuredOutputs.toString()})($nodeVersion, $parameter.routes, ${JSON.stringify(
		table,
	)}, ${JSON.stringify(OTHER_ROUTE_NAME)})}}`;
}

/**
 * What of the router's description follows from a route table and the router's versions: the
 * versions, the outputs, and one `routes` parameter per version, each with that version's routes
 * as options and default.
 */
export function versionedParts(routes: readonly RouteDefinition[], versions: readonly number[]) {
	return {
		version: [...versions],
		defaultVersion: versions[versions.length - 1],
		outputs: outputsExpression(routes),
		properties: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'string',
				default: '={{ $json.status }}',
				description:
					'Transak order status (e.g. COMPLETED) or KYC status (e.g. APPROVED) of the item. Case and surrounding spaces do not matter.',
			},
			...versions.map((version): INodeProperties => {
				const own = routesOfVersion(version, routes);
				return {
					displayName: 'Routes',
					name: 'routes',
					type: 'multiOptions',
					// The outputs are drawn from the raw parameter: an expression here could not shape them.
					noDataExpression: true,
					options: routeOptions(own),
					default: [...own.map((route) => route.key)],
					description:
						'Which outputs the node has. They always keep this order, followed by Other. Items whose route is not selected, with an unknown status or with none go to Other.',
					displayOptions: { show: { '@version': [version] } },
				};
			}),
		] satisfies INodeProperties[],
	};
}

// A flow node with one output per status group: nothing an AI agent could call as a tool.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class TransakStatusRouter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak Status Router',
		name: 'transakStatusRouter',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['transform'],
		subtitle: 'Route by Transak status',
		description:
			'Routes Transak orders and KYC events to one output per status group: awaiting payment, processing, completed, failed…',
		defaults: { name: 'Transak Status Router' },
		inputs: [NodeConnectionTypes.Main],
		...versionedParts(ROUTES, ROUTER_VERSIONS),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const version = this.getNode().typeVersion;
		const routes = selectedRoutes(this.getNodeParameter('routes', 0, null), version);
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
