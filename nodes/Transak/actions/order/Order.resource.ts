import { defineResource } from '../resource';
import * as get from './get.operation';
import * as getAll from './getAll.operation';

export const order = defineResource({ name: 'Order', value: 'order' }, { get, getAll }, 'get');
