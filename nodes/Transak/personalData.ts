/*
 * The Personal Data parameter as the nodes read it: the mode chosen, and for Pseudonymise the key
 * from the node's credential. The rules themselves are in model/personalData.ts.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	isPersonalDataMode,
	protectPersonalData,
	pseudonymiser,
	type PersonalDataMode,
} from './model/personalData';
import { CREDENTIAL_TYPE, pseudonymKeyOf, type TransakCredentials } from './transport/credentials';

/** What turns an emitted record into the item n8n stores. */
export type Protect = (record: IDataObject) => IDataObject;

interface CredentialReader {
	getCredentials(type: string, itemIndex?: number): Promise<object>;
}

/**
 * The protection the parameter asks for. A value that is no mode (an expression gone wrong) is
 * read as Remove: when unsure, the item carries less.
 */
export async function personalDataProtection(
	context: CredentialReader,
	value: unknown,
	itemIndex?: number,
): Promise<Protect> {
	const mode: PersonalDataMode = isPersonalDataMode(value) ? value : 'remove';
	if (mode === 'keep') return (record) => record;
	if (mode === 'remove') return (record) => protectPersonalData(record, { mode });
	const credentials = (await context.getCredentials(
		CREDENTIAL_TYPE,
		itemIndex,
	)) as Partial<TransakCredentials>;
	const pseudonymise = pseudonymiser(pseudonymKeyOf(credentials));
	return (record) => protectPersonalData(record, { mode, pseudonymise });
}

/** The items of one input item of the Transak node, as its Personal Data parameter wants them. */
export async function withPersonalData(
	this: IExecuteFunctions,
	itemIndex: number,
	items: IDataObject[],
): Promise<IDataObject[]> {
	const protect = await personalDataProtection(
		this,
		this.getNodeParameter('personalData', itemIndex, 'keep'),
		itemIndex,
	);
	return items.map(protect);
}
