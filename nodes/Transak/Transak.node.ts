import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { properties } from './actions/description';
import { router, SUBTITLES } from './actions/router';
import * as loadOptions from './methods/loadOptions';
import { CREDENTIAL_TYPE } from './transport/credentials';

export class Transak implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak',
		name: 'transak',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{ ${JSON.stringify(SUBTITLES)}[$parameter["resource"] + ":" + $parameter["operation"]] || $parameter["operation"] }}`,
		description:
			'Transak crypto on/off-ramp: price quotes, single-use payment links (widget URLs), supported currencies and countries, orders and past webhook deliveries',
		defaults: { name: 'Transak' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
