import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';

import { currency } from './currency/Currency.resource';
import { order } from './order/Order.resource';
import { quote } from './quote/Quote.resource';
import type { Resource } from './resource';
import { webhook } from './webhook/Webhook.resource';
import { widgetUrl } from './widgetUrl/WidgetUrl.resource';

/** Every resource of the Transak node, in the order the editor lists them. */
export const RESOURCES: readonly Resource[] = [order, quote, widgetUrl, currency, webhook];

const titleCase = (text: string) => text.replace(/\b\w/g, (letter) => letter.toUpperCase());

/**
 * The canvas subtitle of each resource and operation, in words: "Get Quote", "Create Widget URL",
 * "Get Crypto Currencies", "Get Many Orders". Keyed `<resource>:<operation>`.
 */
export const SUBTITLES: Readonly<Record<string, string>> = Object.fromEntries(
	RESOURCES.flatMap((resource) =>
		[...resource.operations].map(([key, operation]) => {
			const name = String(operation.option.name);
			const words =
				name === 'Get Many' && operation.option.action !== undefined
					? titleCase(operation.option.action)
					: name.includes(' ')
						? name
						: `${name} ${resource.option.name}`;
			return [`${resource.option.value}:${key}`, words];
		}),
	),
);

/** Keyed by parameter values: a Map, never a plain object. */
const BY_NAME: ReadonlyMap<string, Resource> = new Map(
	RESOURCES.map((r) => [String(r.option.value), r]),
);

/**
 * What an item's failure throws: n8n's node errors as they are, with the item's index (both
 * constructors would hand such an error back unchanged, ignoring `itemIndex`); others wrapped.
 */
function itemError(
	node: INode,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** Runs the chosen operation for every input item, honouring continueOnFail. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const pairedItem = { item: itemIndex };
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operation = this.getNodeParameter('operation', itemIndex) as string;
			const run = BY_NAME.get(resource)?.operations.get(operation);
			if (run === undefined) {
				throw new NodeOperationError(
					this.getNode(),
					`The operation "${operation}" is not known for "${resource}"`,
					{ itemIndex },
				);
			}
			for (const json of await run.execute.call(this, itemIndex)) {
				returnData.push({ json, pairedItem });
			}
		} catch (error) {
			if (this.continueOnFail()) {
				returnData.push({ json: { error: (error as Error).message }, pairedItem });
				continue;
			}
			throw itemError(this.getNode(), error, itemIndex);
		}
	}
	return [returnData];
}
