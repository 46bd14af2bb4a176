import { defineResource } from '../resource';
import * as getAll from './getAll.operation';

export const webhook = defineResource(
	{ name: 'Webhook Delivery', value: 'webhook' },
	{ getAll },
	'getAll',
);
