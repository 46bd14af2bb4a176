import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { personalDataProperty } from '../../descriptions';
import { withPersonalData } from '../../personalData';
import { deliveryItem } from '../../model/decode';
import { ORDER_EVENTS, KYC_EVENTS } from '../../model/statuses';
import { listWebhooks, transakCredentials } from '../../transport';
import { verificationKeys, verifierFor } from '../../verification/keys';
import { paginationProperties, wantedCount } from '../pagination';

export const option = {
	name: 'Get Many',
	description:
		'List past webhook deliveries, e.g. to recover events missed while a workflow was inactive',
	action: 'Get many webhook deliveries',
};

export const description: INodeProperties[] = [
	...paginationProperties,
	personalDataProperty(),
	{
		displayName: 'Filters',
		name: 'webhookFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
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

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const wanted = wantedCount.call(this, itemIndex);
	const filters = this.getNodeParameter('webhookFilters', itemIndex, {}) as IDataObject;
	const eventID = typeof filters.eventID === 'string' ? filters.eventID.trim() : '';
	const orderID = typeof filters.orderID === 'string' ? filters.orderID.trim() : '';
	// Read once, for the call and for verification: past deliveries were signed with the tokens
	// held before the call (a refresh during it only signs later ones).
	const credentials = await transakCredentials.call(this);
	const deliveries = await listWebhooks.call(
		this,
		{ ...(eventID ? { eventID } : {}), ...(orderID ? { orderID } : {}) },
		credentials,
	);
	// Transak may list the delivered data still signed: the credential's tokens open it.
	const verifier = verifierFor(verificationKeys(credentials));
	const items = deliveries.map((delivery) =>
		deliveryItem(delivery, (token) => verifier.claimsOf(token)),
	);
	return await withPersonalData.call(
		this,
		itemIndex,
		wanted === undefined ? items : items.slice(0, wanted),
	);
}
