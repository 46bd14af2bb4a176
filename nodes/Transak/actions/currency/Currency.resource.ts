import { defineResource } from '../resource';
import * as getCountries from './getCountries.operation';
import * as getCryptoCurrencies from './getCryptoCurrencies.operation';
import * as getFiatCurrencies from './getFiatCurrencies.operation';

export const currency = defineResource(
	{ name: 'Currency', value: 'currency' },
	{ getCryptoCurrencies, getFiatCurrencies, getCountries },
	'getCryptoCurrencies',
);
