import { defineResource } from '../resource';
import * as get from './get.operation';

export const quote = defineResource({ name: 'Quote', value: 'quote' }, { get }, 'get');
