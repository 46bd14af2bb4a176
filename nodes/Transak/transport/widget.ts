import { NodeApiError, NodeOperationError, type IDataObject, type INode } from 'n8n-workflow';

import { isObject } from '../model/guards';
import { apiError, unexpectedAnswer } from './errors';
import { transakApiRequest, transakCredentials, type IAllExecuteFunctions } from './index';

/*
 * Create Widget URL: `POST /api/v2/auth/session` on Transak's API gateway, authenticated like every
 * partner call (the credential's `access-token`, refreshed on a 401 where the API secret allows).
 */

const SESSION_PATH = '/api/v2/auth/session';

/** What Transak's gateway answers to calls from servers it does not know. */
const NOT_WHITELISTED =
	'Transak accepts Create Widget URL calls only from the server IP addresses a partner has had whitelisted in the Transak dashboard: add the public IP address of this n8n server there.';

/** The transport's error, with what a 403 from the gateway most likely means. */
function gatewayError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError) {
		if (error.httpCode !== '403') return error;
		const description = `${error.description ?? ''} ${NOT_WHITELISTED}`.trim();
		return apiError(node, error.message, description, 403);
	}
	return error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);
}

/** A non-empty string that parses as an http(s) URL (the local sandbox answers http://). */
function httpUrl(value: unknown): string | undefined {
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	try {
		const { protocol } = new URL(value);
		return protocol === 'https:' || protocol === 'http:' ? value : undefined;
	} catch {
		return undefined;
	}
}

/** A single-use widget URL (valid 5 minutes) for the credential's API key and `widgetParams`. */
export async function createWidgetUrl(
	this: IAllExecuteFunctions,
	widgetParams: IDataObject & { referrerDomain: string },
): Promise<string> {
	const credentials = await transakCredentials.call(this);
	// The credential's API key, whatever the parameters say.
	const body = { widgetParams: { ...widgetParams, apiKey: credentials.apiKey } };
	let response: unknown;
	try {
		response = await transakApiRequest.call(
			this,
			'POST',
			SESSION_PATH,
			undefined,
			body,
			'gateway',
			credentials,
		);
	} catch (error) {
		throw gatewayError(this.getNode(), error);
	}
	const widgetUrl =
		isObject(response) && isObject(response.data) ? httpUrl(response.data.widgetUrl) : undefined;
	if (widgetUrl === undefined) {
		throw unexpectedAnswer(this.getNode(), 'the widget URL answer has no data.widgetUrl');
	}
	return widgetUrl;
}
