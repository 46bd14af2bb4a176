/*
 * Transak's public catalog: the price quote and the crypto currency, fiat currency and country
 * lists, as items, and the lists as choices for the editor's dropdowns. Transak answers these
 * endpoints with `{response: ...}`.
 *
 * - Crypto entries: `symbol`, `name`, `network: {name, chainId}`, `isAllowed`; one entry per
 *   symbol and network (USDC on ethereum, USDC on polygon, ...).
 * - Fiat entries: `symbol`, `name`, `isAllowed`, `paymentOptions: [{id, name, minAmount,
 *   maxAmount, isActive, ...}]`.
 * - Countries: `alpha2`, `name`, `isAllowed`.
 * Entries Transak marks `isAllowed: false` are items like the others, never choices.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject, text } from './guards';
import { sanitize } from './sanitize';

/** A choice of an options parameter (n8n's INodePropertyOptions, for string values). */
export interface Choice {
	name: string;
	value: string;
	description?: string;
}

function answerOf(body: unknown): unknown {
	if (!isObject(body)) return undefined;
	return body.response ?? body.data;
}

/** The quote of a Get Price answer, copied safely; undefined when the answer holds none. */
export function quoteOf(body: unknown): IDataObject | undefined {
	const quote = answerOf(body);
	return isObject(quote) ? sanitize(quote) : undefined;
}

/** The entries of a list answer, each copied safely; undefined when the answer holds no list. */
export function entriesOf(body: unknown): IDataObject[] | undefined {
	const list = answerOf(body);
	if (!Array.isArray(list)) return undefined;
	return list
		.filter(isObject)
		.map((entry) => sanitize(entry))
		.filter((entry): entry is IDataObject => entry !== undefined);
}

/** Entries matching `search` (case-insensitive) in any of `fields`; all when it is empty. */
export function matching(
	entries: IDataObject[],
	search: string,
	fields: readonly string[],
): IDataObject[] {
	const wanted = search.trim().toLowerCase();
	if (wanted === '') return entries;
	return entries.filter((entry) =>
		fields.some((field) => fieldText(entry, field)?.toLowerCase().includes(wanted) === true),
	);
}

/** A field's text, `network.name` style paths included. */
function fieldText(entry: IDataObject, path: string): string | undefined {
	let value: unknown = entry;
	for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
	return text(value);
}

const allowed = (entry: IDataObject) => entry.isAllowed !== false;
const byName = (a: Choice, b: Choice) => a.name.localeCompare(b.name);

/**
 * Most entries a dropdown is built from. Transak's lists hold hundreds; a list far longer comes
 * from a broken or hostile API and would stall the editor.
 */
export const MAX_CHOICE_ENTRIES = 5_000;

/** The entries, or an error naming the bound when there are more than a dropdown takes. */
function bounded<T>(entries: T[]): T[] {
	if (entries.length > MAX_CHOICE_ENTRIES) {
		throw new Error(
			`Transak's list has ${entries.length} entries, more than the ${MAX_CHOICE_ENTRIES} a dropdown offers: enter the value as an expression instead`,
		);
	}
	return entries;
}

/** One choice per value (the first entry naming it), sorted by name. */
function choices(
	entries: IDataObject[],
	valueOf: (entry: IDataObject) => string | undefined,
	build: (entry: IDataObject, value: string) => Choice,
): Choice[] {
	const found = new Map<string, Choice>();
	for (const entry of bounded(entries).filter(allowed)) {
		const value = valueOf(entry);
		if (value !== undefined && !found.has(value)) found.set(value, build(entry, value));
	}
	return [...found.values()].sort(byName);
}

const networkOf = (entry: IDataObject) => fieldText(entry, 'network.name');

/** `Ethereum (ETH)` -> `ETH`, described by the networks it is sold on. */
export function cryptoChoices(entries: IDataObject[]): Choice[] {
	const networks = new Map<string, Set<string>>();
	for (const entry of bounded(entries).filter(allowed)) {
		const [symbol, network] = [text(entry.symbol), networkOf(entry)];
		if (symbol === undefined || network === undefined) continue;
		networks.set(symbol, (networks.get(symbol) ?? new Set()).add(network));
	}
	return choices(
		entries,
		(entry) => text(entry.symbol),
		(entry, symbol) => ({
			name: `${text(entry.name) ?? symbol} (${symbol})`,
			value: symbol,
			description: `Networks: ${[...(networks.get(symbol) ?? [])].join(', ') || 'none listed'}`,
		}),
	);
}

/** The networks crypto currencies are sold on; only those of `symbol` when one is given. */
export function networkChoices(entries: IDataObject[], symbol?: string): Choice[] {
	const wanted = symbol?.trim().toUpperCase();
	const of = wanted ? entries.filter((e) => text(e.symbol)?.toUpperCase() === wanted) : entries;
	return choices(of, networkOf, (entry, network) => {
		const chainId = fieldText(entry, 'network.chainId');
		return {
			name: network,
			value: network,
			...(chainId !== undefined ? { description: `Chain ID ${chainId}` } : {}),
		};
	});
}

/** `Euro (EUR)` -> `EUR`. */
export function fiatChoices(entries: IDataObject[]): Choice[] {
	return choices(
		entries,
		(entry) => text(entry.symbol),
		(entry, symbol) => ({ name: `${text(entry.name) ?? symbol} (${symbol})`, value: symbol }),
	);
}

/**
 * The payment methods of fiat currencies; only those of `fiat` when one is given, then described
 * by their limits.
 */
export function paymentMethodChoices(entries: IDataObject[], fiat?: string): Choice[] {
	const wanted = fiat?.trim().toUpperCase();
	const currencies = wanted
		? entries.filter((e) => text(e.symbol)?.toUpperCase() === wanted)
		: entries;
	const methods = bounded(currencies)
		.filter(allowed)
		.flatMap((currency) =>
			Array.isArray(currency.paymentOptions) ? currency.paymentOptions.filter(isObject) : [],
		);
	return choices(
		methods.filter((method) => method.isActive !== false),
		(method) => text(method.id),
		(method, id) => {
			const [min, max] = [text(method.minAmount), text(method.maxAmount)];
			const limits = wanted && min && max ? `${min}-${max} ${wanted}` : undefined;
			return {
				name: text(method.name) ?? id,
				value: id,
				...(limits !== undefined ? { description: limits } : {}),
			};
		},
	);
}

/** `France (FR)` -> `FR`. */
export function countryChoices(entries: IDataObject[]): Choice[] {
	return choices(
		entries,
		(entry) => text(entry.alpha2),
		(entry, code) => ({ name: `${text(entry.name) ?? code} (${code})`, value: code }),
	);
}
