import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { DEFAULT_MAX_DELIVERY_AGE_HOURS } from './model/replay';

/** The `events` parameter of both triggers: a multi-select of event IDs, empty meaning all. */
export function eventsProperty(
	options: INodePropertyOptions[],
	description: string,
): INodeProperties {
	return {
		// Empty means every event: the label says so, as the editor shows an empty list as "Select".
		displayName: 'Events (Empty = All)',
		name: 'events',
		type: 'multiOptions',
		options,
		default: [],
		hint: 'Leave empty for every event',
		description,
	};
}

/** The `options` collection of both triggers. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options,
	};
}

/** The `personalData` parameter of both triggers and of the Transak node's order and delivery reads. */
export function personalDataProperty(
	displayOptions?: INodeProperties['displayOptions'],
): INodeProperties {
	return {
		displayName: 'Personal Data',
		name: 'personalData',
		type: 'options',
		options: [
			{
				name: 'Keep',
				value: 'keep',
				description: 'Output the records as Transak sends them',
			},
			{
				name: 'Remove',
				value: 'remove',
				description:
					"Drop the customer's wallet, IP address, country, IDs and payment details; keep the order's IDs, status, amounts and currencies",
			},
			{
				name: 'Pseudonymise',
				value: 'pseudonymise',
				description:
					'Drop payment details and replace each personal value with a keyed hash, the same for the same customer, so repeat customers can still be matched',
			},
		],
		default: 'keep',
		description:
			"What of the customer's personal and payment data the items carry. n8n stores items in its execution history: choose Remove for alerting flows that need only the order.",
		...(displayOptions === undefined ? {} : { displayOptions }),
	};
}

/** The Maximum Delivery Age option of both triggers (see model/replay.ts). */
export function maxDeliveryAgeOption(what: string): INodeProperties {
	return {
		displayName: 'Maximum Delivery Age (Hours)',
		name: 'maxDeliveryAge',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: DEFAULT_MAX_DELIVERY_AGE_HOURS,
		description: `${what} whose signed times (the order's updatedAt or createdAt, the delivery's createdAt) are all older than this start no workflow: a captured copy cannot be replayed later. The default is well beyond any retry of a genuine delivery. KYC records carry no time and are not aged. 0 turns this off.`,
	};
}
