import { defineResource } from '../resource';
import * as create from './create.operation';

export const widgetUrl = defineResource(
	{ name: 'Widget URL', value: 'widgetUrl' },
	{ create },
	'create',
);
