import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { personalDataProperty } from '../../descriptions';
import { withPersonalData } from '../../personalData';
import { orderItem } from '../../model/decode';
import { getOrder } from '../../transport';

export const option = {
	name: 'Get',
	description: 'Get an order by its Transak order ID',
	action: 'Get an order',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '181b6159-2192-4f68-8647-f48e6e8f58c7',
		description: "Transak's order ID, e.g. the orderId field of the Transak triggers' items",
	},
	personalDataProperty(),
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const raw = this.getNodeParameter('orderId', itemIndex, '');
	const orderId = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
	if (orderId === '') {
		throw new NodeOperationError(this.getNode(), 'Order ID is empty', {
			itemIndex,
			description: 'Enter a Transak order ID, or map one from the input, e.g. {{ $json.orderId }}.',
		});
	}
	return await withPersonalData.call(this, itemIndex, [
		orderItem(await getOrder.call(this, orderId), orderId),
	]);
}
