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
	async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
		const filters = this.getNodeParameter('listFilters', itemIndex, {}) as IDataObject;
		return matching(await listCatalog.call(this, list), textOf(filters.search), searchFields);
	}
	return { option, description, execute };
}
