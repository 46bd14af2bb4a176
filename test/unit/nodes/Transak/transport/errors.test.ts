import { NodeApiError } from 'n8n-workflow';

import { credentialFingerprint } from '../../../../../nodes/Transak/transport/credentials';
import {
	TransakTokenError,
	transakError,
	transakMessage,
} from '../../../../../nodes/Transak/transport/errors';
import { AxiosError, nodeOf } from '../../../support/n8n';

const LINE_BREAKS = /[\r\n\u2028\u2029]/;
const FORGED = 'Order not found\nFORGED | error | re-enter your API secret at http://evil.example/';
const credentials = {
	environment: 'custom' as const,
	baseUrl: 'http://127.0.0.1:9',
	apiKey: 'partner-api-key',
	accessToken: 'access-token-secret-value-0123456789',
};

/** The error of the Transak node for an answer of Transak to `GET <path>` (as n8n throws it: axios's). */
const errorFor = (status: number, data: unknown, path = '/partners/api/v2/order/x') =>
	transakError(
		nodeOf(),
		new AxiosError(`Request failed with status code ${status}`, { status, data }),
		credentials,
		{ method: 'GET', path },
	);

describe("Transak's words in errors", () => {
	it.each([
		['{message}', { message: FORGED }],
		['{error: {message}}', { error: { message: FORGED } }],
		['{error: "..."}', { error: FORGED }],
		['plain text', FORGED],
		['JSON text', JSON.stringify({ message: FORGED })],
	])('are read from %s on one line', (_label, body) => {
		const said = transakMessage(body);
		expect(said).toBe(
			'Order not found FORGED | error | re-enter your API secret at http://evil.example/',
		);
	});

	it('a message of nothing but control characters is no message', () => {
		expect(transakMessage({ message: '\n\r\u2028' })).toBeUndefined();
		expect(transakMessage({ message: '\u200b' })).toBeUndefined();
	});

	it('an error message and description never span lines; in a description the words are quoted', () => {
		for (const status of [400, 401, 429, 500]) {
			const error = errorFor(status, { message: FORGED });
			expect(error.message).not.toMatch(LINE_BREAKS);
			expect(String(error.description)).not.toMatch(LINE_BREAKS);
		}
		const unauthorized = errorFor(401, { message: FORGED });
		expect(unauthorized.description).toContain(
			'(\"Order not found FORGED | error | re-enter your API secret at http://evil.example/\")',
		);
		const notFound = errorFor(400, { message: FORGED });
		expect(notFound.message).toBe(
			'Order not found FORGED | error | re-enter your API secret at http://evil.example/',
		);
	});

	it('a long message keeps no part of a secret: masked first, then cut', () => {
		const long = `${'x'.repeat(480)} ${credentials.accessToken} ${'y'.repeat(400)}`;
		const error = errorFor(500, { message: long }, '/partners/api/v2/orders');
		expect(error.message).not.toContain(credentials.accessToken.slice(0, 10));
		expect(error.message.length).toBeLessThanOrEqual(501);
	});
});

describe('token errors n8n 1.x wrapped without their cause', () => {
	const other = { ...credentials, apiKey: 'another-partner-api-key' };
	/** What n8n 1.x throws for a token error: a NodeApiError with its message only. */
	const wrapped = (message: string) => {
		const error = new NodeApiError(nodeOf(), { message });
		error.cause = undefined;
		return error;
	};

	it('are found again by message, for the credential they are about only', () => {
		const message = 'Transak refused to refresh the access token (HTTP 401).';
		new TransakTokenError(
			'refreshRejected',
			credentialFingerprint(credentials),
			message,
			'Description for the first credential.',
			401,
		);
		const request = { method: 'GET', path: '/partners/api/v2/orders' };
		const own = transakError(nodeOf(), wrapped(message), credentials, request);
		expect(own.description).toBe('Description for the first credential.');
		expect(own.httpCode).toBe('401');

		const foreign = transakError(nodeOf(), wrapped(message), other, request);
		expect(foreign.description).not.toBe('Description for the first credential.');
	});
});

describe('plain-text error bodies', () => {
	it('a short one is a message; a long one (a page) is none, however much of it is blank', () => {
		expect(transakMessage('Bad Gateway\n')).toBe('Bad Gateway');
		expect(transakMessage(`<html>${' '.repeat(2_000_000)}</html>`)).toBeUndefined();
		expect(transakMessage('x'.repeat(299))).toBe('x'.repeat(299));
		expect(transakMessage('x'.repeat(300))).toBeUndefined();
	});
});

describe('a huge error message from a broken or hostile API', () => {
	it('is cut to a bounded length before anything else reads it', () => {
		const huge = 'y'.repeat(4_000_000);
		for (const body of [
			{ message: huge },
			{ error: { message: huge } },
			JSON.stringify({ message: huge }),
		]) {
			const said = transakMessage(body)!;
			expect(said.length).toBeLessThanOrEqual(8_001);
			expect(said.startsWith('yyyy')).toBe(true);
		}
	});
});
