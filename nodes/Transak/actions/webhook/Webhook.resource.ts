import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import * as getAll from './getAll.operation';

export const resource: INodePropertyOptions = { name: 'Webhook Delivery', value: 'webhook' };

export const operations = { getAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['webhook'] } },
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
	...getAll.description,
];
