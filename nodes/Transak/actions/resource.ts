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

/**
 * A resource from its operations and the one a new node starts with. The default is named, never
 * implied by the order: saved workflows that rely on it must not change when an operation is added.
 */
export function defineResource(
	option: INodePropertyOptions,
	operations: Record<string, Operation>,
	defaultOperation: string,
): Resource {
	const resource = String(option.value);
	const entries = Object.entries(operations);
	if (!(defaultOperation in operations))
		throw new Error(
			`${resource}: the default operation ${defaultOperation} is not one of its operations`,
		);
	return {
		option,
		operations: new Map(entries),
		description: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: [resource] } },
				options: entries.map(([value, operation]) => ({ ...operation.option, value })),
				default: defaultOperation,
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
