import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import * as get from './get.operation';
import * as getAll from './getAll.operation';

export const resource: INodePropertyOptions = { name: 'Order', value: 'order' };

export const operations = { get, getAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['order'] } },
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
	...get.description,
	...getAll.description,
];
