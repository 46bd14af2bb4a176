import {
	NodeOperationError,
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { orderItem } from '../../model/decode';
import { getOrder } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '181b6159-2192-4f68-8647-f48e6e8f58c7',
		description: "Transak's order ID, e.g. the orderId field of the Transak triggers' items",
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['order'], operation: ['get'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const raw = this.getNodeParameter('orderId', itemIndex, '');
	const orderId = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
	if (orderId === '') {
		throw new NodeOperationError(this.getNode(), 'Order ID is empty', {
			itemIndex,
			description: 'Enter a Transak order ID, or map one from the input, e.g. {{ $json.orderId }}.',
		});
	}
	return [orderItem(await getOrder.call(this, orderId), orderId)];
}
