import type { INodeProperties } from 'n8n-workflow';

import { KYC_EVENTS, ORDER_EVENTS } from '../model/events';
import { ROUTES } from '../model/statuses';

/** Order statuses Transak documents (the KYC ones are not order statuses). */
const ORDER_STATUSES = ROUTES.filter((route) => !route.key.startsWith('kyc')).flatMap(
	(route) => route.statuses,
);

const orderOnly = { resource: ['order'] };
const webhookOnly = { resource: ['webhook'] };

/** Return All and Limit for a resource's Get Many. */
function pagination(resource: { resource: string[] }): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show: { ...resource, operation: ['getAll'] } },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { ...resource, operation: ['getAll'], returnAll: [false] } },
		},
	];
}

export const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Order', value: 'order' },
		{ name: 'Webhook Delivery', value: 'webhook' },
	],
	default: 'order',
};

export const operationProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: orderOnly },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Get an order by its Transak order ID',
				action: 'Get an order',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List orders, newest first by default, with optional filters',
				action: 'Get many orders',
			},
		],
		default: 'get',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: webhookOnly },
		options: [
			{
				name: 'Get Many',
				value: 'getAll',
				description:
					'List past webhook deliveries, e.g. to recover events missed while a workflow was inactive',
				action: 'Get many webhook deliveries',
			},
		],
		default: 'getAll',
	},
];

export const orderProperties: INodeProperties[] = [
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '181b6159-2192-4f68-8647-f48e6e8f58c7',
		description: "Transak's order ID, e.g. the orderId field of the Transak triggers' items",
		displayOptions: { show: { ...orderOnly, operation: ['get'] } },
	},
	...pagination(orderOnly),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { ...orderOnly, operation: ['getAll'] } },
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
			{
				displayName: 'Partner Order ID',
				name: 'partnerOrderId',
				type: 'string',
				default: '',
				description: 'The order ID your application passed to the Transak widget',
			},
			{
				displayName: 'Product',
				name: 'productsAvailed',
				type: 'multiOptions',
				options: [
					{ name: 'Buy (On-Ramp)', value: 'BUY' },
					{ name: 'Sell (Off-Ramp)', value: 'SELL' },
				],
				default: [],
				description: 'Only buy or only sell orders',
			},
			{
				displayName: 'Sort Order',
				name: 'sortOrder',
				type: 'options',
				options: [
					{ name: 'Newest First', value: 'desc' },
					{ name: 'Oldest First', value: 'asc' },
				],
				default: 'desc',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: ORDER_STATUSES.map((status) => ({ name: status, value: status })),
				default: 'COMPLETED',
				description: 'Only orders currently in this status',
			},
			{
				displayName: 'Wallet Address',
				name: 'walletAddress',
				type: 'string',
				default: '',
				description: 'Only orders delivering to (or paid from) this wallet address',
			},
		],
	},
];

export const webhookProperties: INodeProperties[] = [
	...pagination(webhookOnly),
	{
		displayName: 'Filters',
		name: 'webhookFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { ...webhookOnly, operation: ['getAll'] } },
		options: [
			{
				displayName: 'Event',
				name: 'eventID',
				type: 'options',
				options: [...ORDER_EVENTS, ...KYC_EVENTS],
				default: 'ORDER_COMPLETED',
				description: 'Only deliveries of this event',
			},
			{
				displayName: 'Order ID',
				name: 'orderID',
				type: 'string',
				default: '',
				description: 'Only deliveries about this Transak order',
			},
		],
	},
];
