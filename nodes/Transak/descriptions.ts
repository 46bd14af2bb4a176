import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/** The `events` parameter of both triggers: a multi-select of event IDs, empty meaning all. */
export function eventsProperty(
	options: INodePropertyOptions[],
	description: string,
): INodeProperties {
	return {
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options,
		default: [],
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
