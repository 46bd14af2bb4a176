import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { matching } from '../../model/catalog';
import { listCatalog, type CatalogList } from '../../transport/public';
import type { Operation } from '../resource';
import { textOf } from '../values';

/**
 * A Get operation over one of Transak's public lists: one item per entry, optionally only the
 * entries a search text matches (in `searchFields`).
 */
export function listOperation(
	list: CatalogList,
	option: Operation['option'],
	searchFields: readonly string[],
	searchHint: string,
): Operation {
	const description: INodeProperties[] = [
		{
			displayName: 'Filters',
			name: 'listFilters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{
					displayName: 'Search',
					name: 'search',
					type: 'string',
					default: '',
					description: `Only entries whose ${searchHint} contains this text (any case)`,
				},
			],
		},
	];
	// The list does not depend on the item: one fetch per execution (the router calls every item
	// with the same context), shared by all its items, a failure included.
	const fetched = new WeakMap<IExecuteFunctions, Promise<IDataObject[]>>();
	async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
		const filters = this.getNodeParameter('listFilters', itemIndex, {}) as IDataObject;
		let entries = fetched.get(this);
		if (entries === undefined) {
			entries = listCatalog.call(this, list);
			fetched.set(this, entries);
		}
		// Copies: items of one execution must not share objects a later node may change.
		return matching(await entries, textOf(filters.search), searchFields).map((entry) =>
			structuredClone(entry),
		);
	}
	return { option, description, execute };
}
