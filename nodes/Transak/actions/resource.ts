import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';

/** One operation of a resource: `<operation>.operation.ts`. */
export interface Operation {
	/** How the operation selector lists it (its value is the operation's key). */
	option: Omit<INodePropertyOptions, 'value'>;
	/** Its parameters; they are shown for this resource and operation only. */
	description: INodeProperties[];
	/** The results for one input item, each becoming an output item paired with it. */
	execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]>;
}

export interface Resource {
	option: INodePropertyOptions;
	operations: ReadonlyMap<string, Operation>;
	/** The operation selector, then every operation's parameters. */
	description: INodeProperties[];
}

/** A resource from its operations, the first being the default. */
export function defineResource(
	option: INodePropertyOptions,
	operations: Record<string, Operation>,
): Resource {
	const resource = String(option.value);
	const entries = Object.entries(operations);
	return {
		option,
		operations: new Map(entries),
		description: [
			// The default is computed (the first operation), which this rule cannot see.
			// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: [resource] } },
				options: entries.map(([value, operation]) => ({ ...operation.option, value })),
				default: entries[0][0],
			},
			...entries.flatMap(([name, operation]) =>
				updateDisplayOptions(
					{ show: { resource: [resource], operation: [name] } },
					operation.description,
				),
			),
		],
	};
}
