import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

/*
 * Reading parameter values the way an expression or an AI agent may give them: numbers as text,
 * codes in any case, surrounding spaces.
 */

/** A parameter's text, trimmed; '' for anything that is not a string or a number. */
export function textOf(value: unknown): string {
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/** A currency or country code as Transak writes it: upper case. */
export const code = (value: unknown): string => textOf(value).toUpperCase();

/** A network name as Transak writes it: lower case (ethereum, polygon, mainnet). */
export const networkName = (value: unknown): string => textOf(value).toLowerCase();

/** A finite number greater than 0 from a number or numeric text; undefined otherwise. */
export function positiveNumber(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The error for a parameter value that cannot be used, with its item and a hint. */
export function invalidParameter(
	this: IExecuteFunctions,
	itemIndex: number,
	message: string,
	hint?: string,
): NodeOperationError {
	return new NodeOperationError(this.getNode(), message, { itemIndex, description: hint });
}

/** A required text parameter, or a NodeOperationError naming it. */
export function requiredText(
	this: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
	hint: string,
): string {
	const value = textOf(this.getNodeParameter(name, itemIndex, ''));
	if (value === '') throw invalidParameter.call(this, itemIndex, `${label} is empty`, hint);
	return value;
}

/** The values of a collection parameter that are set: no empty strings. */
export function setValues(collection: IDataObject): IDataObject {
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(collection)) {
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string') out[key] = value;
		else if (value.trim() !== '') out[key] = value.trim();
	}
	return out;
}

const EXPRESSIONS = '<a href="https://docs.n8n.io/code/expressions/">expression</a>';

/**
 * A field whose choices are one of Transak's lists (methods/loadOptions.ts); an expression (or an
 * AI agent's value) may give any code instead.
 */
export function catalogField(
	displayName: string,
	name: string,
	loadOptionsMethod: string,
	description: string,
	extra: Partial<INodeProperties> = {},
): INodeProperties {
	const { typeOptions, ...rest } = extra;
	return {
		displayName,
		name,
		type: 'options',
		typeOptions: { loadOptionsMethod, ...typeOptions },
		default: '',
		description: `${description}. Choose from the list, or specify a code using an ${EXPRESSIONS}.`,
		...rest,
	};
}
