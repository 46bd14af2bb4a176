import type { INodeProperties } from 'n8n-workflow';

import { RESOURCES } from './router';

/** The Transak node's parameters: the resource, then each resource's operations and parameters. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: RESOURCES.map((r) => r.option),
		default: 'order',
	},
	...RESOURCES.flatMap((r) => r.description),
];
