import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import {
	CREDENTIAL_TYPE,
	currentAccessTokens,
	getOrder,
	listOrdersPage,
	listWebhooks,
	MAX_PAGE_SIZE,
	type OrderQuery,
} from './transport';
import type { TransakApiCredentials } from './transport/token';
import { verifierFor } from './verification/keys';
import {
	operationProperties,
	orderProperties,
	resourceProperty,
	webhookProperties,
} from './actions/descriptions';
import { orderItem, toTransakDate, webhookItem } from './model/items';

/** Stops a listing whose server ignores `skip` (every page the same) from running forever. */
const MAX_PAGES = 10_000;

type Context = IExecuteFunctions;

function badInput(ctx: Context, message: string, itemIndex: number, description?: string) {
	return new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
}

function wantedCount(ctx: Context, itemIndex: number): number | undefined {
	if (ctx.getNodeParameter('returnAll', itemIndex, false) as boolean) return undefined;
	const limit = Number(ctx.getNodeParameter('limit', itemIndex, 50));
	if (!Number.isInteger(limit) || limit < 1) {
		throw badInput(ctx, 'Limit must be a whole number of at least 1', itemIndex);
	}
	return limit;
}

function orderQuery(ctx: Context, itemIndex: number): OrderQuery {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const query: OrderQuery = {};
	const date = (name: 'startDate' | 'endDate', label: string) => {
		try {
			return toTransakDate(filters[name]);
		} catch (error) {
			throw badInput(ctx, `${label}: ${(error as Error).message}`, itemIndex);
		}
	};
	query.startDate = date('startDate', 'Created After');
	query.endDate = date('endDate', 'Created Before');
	if (query.startDate && query.endDate && query.startDate > query.endDate) {
		throw badInput(ctx, 'Created After is later than Created Before', itemIndex);
	}
	for (const name of ['status', 'partnerOrderId', 'walletAddress'] as const) {
		const value = filters[name];
		if (typeof value === 'string' && value.trim() !== '') query[name] = value.trim();
	}
	const products = filters.productsAvailed;
	if (Array.isArray(products) && products.length > 0) {
		query.productsAvailed = products.map((p) => String(p).toUpperCase());
	}
	if (filters.sortOrder === 'asc' || filters.sortOrder === 'desc')
		query.sortOrder = filters.sortOrder;
	return query;
}

/** Pages through `GET /orders` with skip/limit until `wanted` orders, the total, or a short page. */
async function getManyOrders(ctx: Context, itemIndex: number): Promise<IDataObject[]> {
	const wanted = wantedCount(ctx, itemIndex);
	const query = orderQuery(ctx, itemIndex);
	const orders: IDataObject[] = [];
	const seen = new Set<string>();
	let skip = 0;

	for (let page = 0; page < MAX_PAGES; page++) {
		const limit =
			wanted === undefined ? MAX_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, wanted - orders.length);
		const { orders: batch, totalCount } = await listOrdersPage.call(ctx, { ...query, limit, skip });
		let fresh = 0;
		for (const order of batch) {
			const id = typeof order.id === 'string' ? order.id : undefined;
			if (id !== undefined && seen.has(id)) continue;
			if (id !== undefined) seen.add(id);
			orders.push(order);
			fresh++;
		}
		skip += batch.length;
		if (batch.length < limit || fresh === 0) break;
		if (totalCount !== undefined && skip >= totalCount) break;
		if (wanted !== undefined && orders.length >= wanted) break;
	}
	return wanted === undefined ? orders : orders.slice(0, wanted);
}

async function getManyWebhooks(ctx: Context, itemIndex: number): Promise<IDataObject[]> {
	const wanted = wantedCount(ctx, itemIndex);
	const filters = ctx.getNodeParameter('webhookFilters', itemIndex, {}) as IDataObject;
	const eventID = typeof filters.eventID === 'string' ? filters.eventID.trim() : '';
	const orderID = typeof filters.orderID === 'string' ? filters.orderID.trim() : '';
	const deliveries = await listWebhooks.call(ctx, {
		...(eventID ? { eventID } : {}),
		...(orderID ? { orderID } : {}),
	});
	const credentials = (await ctx.getCredentials(
		CREDENTIAL_TYPE,
	)) as unknown as TransakApiCredentials;
	const verifier = verifierFor(currentAccessTokens(credentials));
	const items = deliveries.map((delivery) => webhookItem(delivery, verifier));
	return wanted === undefined ? items : items.slice(0, wanted);
}

export class Transak implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak',
		name: 'transak',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read orders and past webhook deliveries from the Transak partner API',
		defaults: { name: 'Transak' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			resourceProperty,
			...operationProperties,
			...orderProperties,
			...webhookProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const pairedItem = { item: itemIndex };
			try {
				const resource = this.getNodeParameter('resource', itemIndex) as string;
				const operation = this.getNodeParameter('operation', itemIndex) as string;
				let results: IDataObject[];

				if (resource === 'order' && operation === 'get') {
					const raw = this.getNodeParameter('orderId', itemIndex, '');
					const orderId =
						typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
					if (orderId === '') {
						throw badInput(
							this,
							'Order ID is empty',
							itemIndex,
							'Enter a Transak order ID, or map one from the input, e.g. {{ $json.orderId }}.',
						);
					}
					results = [orderItem(await getOrder.call(this, orderId), orderId)];
				} else if (resource === 'order' && operation === 'getAll') {
					results = (await getManyOrders(this, itemIndex)).map((order) => orderItem(order));
				} else if (resource === 'webhook' && operation === 'getAll') {
					results = await getManyWebhooks(this, itemIndex);
				} else {
					throw badInput(
						this,
						`The operation "${operation}" is not known for "${resource}"`,
						itemIndex,
					);
				}

				for (const json of results) returnData.push({ json, pairedItem });
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: (error as Error).message }, pairedItem });
					continue;
				}
				const context = (error as { context?: IDataObject }).context;
				if (context !== undefined && context.itemIndex === undefined) context.itemIndex = itemIndex;
				// Both constructors hand back an error of their own class unchanged.
				if (error instanceof NodeApiError) {
					throw new NodeApiError(this.getNode(), error as unknown as JsonObject);
				}
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
			}
		}
		return [returnData];
	}
}
