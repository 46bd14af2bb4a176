import { listOperation } from './list';

export const { option, description, execute } = listOperation(
	'countries',
	{
		name: 'Get Countries',
		description:
			'List the countries Transak knows, one item per country: alpha2 (ISO code), name and isAllowed (whether Transak serves customers there). Needs nothing.',
		action: 'Get countries Transak serves',
	},
	['alpha2', 'alpha3', 'name'],
	'ISO code or name',
);
