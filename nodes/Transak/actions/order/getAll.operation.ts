import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { personalDataProperty } from '../../descriptions';
import { withPersonalData } from '../../personalData';
import { orderIdOf, orderItem } from '../../model/decode';
import { ORDER_STATUSES } from '../../model/statuses';
import { collectPages, listOrdersPage, type OrderQuery } from '../../transport';
import { paginationProperties, wantedCount } from '../pagination';
import { toTransakDate } from './dates';

const PRODUCTS = [
	{ name: 'Buy (On-Ramp)', value: 'BUY' },
	{ name: 'Sell (Off-Ramp)', value: 'SELL' },
];

const SORT_ORDERS = [
	{ name: 'Newest First', value: 'desc' },
	{ name: 'Oldest First', value: 'asc' },
];

/** A filter typed as text. */
const textFilter = (displayName: string, name: string, description: string): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	default: '',
	description,
});

export const option = {
	name: 'Get Many',
	description: 'List orders, newest first by default, with optional filters',
	action: 'Get many orders',
};

export const description: INodeProperties[] = [
	...paginationProperties,
	personalDataProperty(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Created After',
				name: 'startDate',
				type: 'dateTime',
				default: '',
				description: 'Only orders created on or after this day (Transak compares whole days)',
			},
			{
				displayName: 'Created Before',
				name: 'endDate',
				type: 'dateTime',
				default: '',
				description: 'Only orders created on or before this day (Transak compares whole days)',
			},
			textFilter(
				'Partner Order ID',
				'partnerOrderId',
				'The order ID your application passed to the Transak widget',
			),
			{
				displayName: 'Product',
				name: 'productsAvailed',
				type: 'multiOptions',
				options: PRODUCTS,
				default: [],
				description: 'Only buy or only sell orders',
			},
			{
				displayName: 'Sort Order',
				name: 'sortOrder',
				type: 'options',
				options: SORT_ORDERS,
				default: 'desc',
				description: 'Which orders come first',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: ORDER_STATUSES.map((status) => ({ name: status, value: status })),
				default: 'COMPLETED',
				description: 'Only orders currently in this status',
			},
			textFilter(
				'Wallet Address',
				'walletAddress',
				'Only orders delivering to (or paid from) this wallet address',
			),
		],
	},
];

function orderQuery(this: IExecuteFunctions, itemIndex: number): OrderQuery {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const bad = (message: string) => new NodeOperationError(this.getNode(), message, { itemIndex });
	const date = (name: 'startDate' | 'endDate', label: string) => {
		try {
			return toTransakDate(filters[name]);
		} catch (error) {
			throw bad(`${label}: ${(error as Error).message}`);
		}
	};
	const query: OrderQuery = {
		startDate: date('startDate', 'Created After'),
		endDate: date('endDate', 'Created Before'),
	};
	if (query.startDate && query.endDate && query.startDate > query.endDate) {
		throw bad('Created After is later than Created Before');
	}
	for (const name of ['status', 'partnerOrderId', 'walletAddress'] as const) {
		const value = filters[name];
		if (typeof value === 'string' && value.trim() !== '') query[name] = value.trim();
	}
	const products = filters.productsAvailed;
	if (Array.isArray(products) && products.length > 0) {
		query.productsAvailed = products.map((p) => String(p).toUpperCase());
	}
	if (filters.sortOrder === 'asc' || filters.sortOrder === 'desc') {
		query.sortOrder = filters.sortOrder;
	}
	return query;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const wanted = wantedCount.call(this, itemIndex);
	const query = orderQuery.call(this, itemIndex);
	const orders = await collectPages(
		async (skip, limit) => await listOrdersPage.call(this, { ...query, limit, skip }),
		orderIdOf,
		{ wanted },
	);
	return await withPersonalData.call(
		this,
		itemIndex,
		orders.map((order) => orderItem(order)),
	);
}
