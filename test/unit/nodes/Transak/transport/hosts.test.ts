import { NodeOperationError, type INode } from 'n8n-workflow';

import { baseUrlFor } from '../../../../../nodes/Transak/transport/hosts';
import { nodeOf } from '../../../support/n8n';

const node: INode = nodeOf();
const credentials = (environment: 'staging' | 'production' | 'custom', baseUrl = '') => ({
	environment,
	baseUrl,
	apiKey: 'key',
	accessToken: 'token',
});

describe('baseUrlFor', () => {
	it('the partner API and the API gateway of staging and production', () => {
		expect(baseUrlFor(node, credentials('staging'), 'api')).toBe('https://api-stg.transak.com');
		expect(baseUrlFor(node, credentials('staging'), 'gateway')).toBe(
			'https://api-gateway-stg.transak.com',
		);
		expect(baseUrlFor(node, credentials('production'), 'api')).toBe('https://api.transak.com');
		expect(baseUrlFor(node, credentials('production'), 'gateway')).toBe(
			'https://api-gateway.transak.com',
		);
	});

	it('custom: the credential’s base URL for both, without a trailing slash', () => {
		const custom = credentials('custom', 'http://127.0.0.1:4000/');
		expect(baseUrlFor(node, custom, 'api')).toBe('http://127.0.0.1:4000');
		expect(baseUrlFor(node, custom, 'gateway')).toBe('http://127.0.0.1:4000');
	});

	it('custom without a usable base URL: a NodeOperationError that says what to do', () => {
		for (const baseUrl of ['', 'ftp://example.com', 'example.com']) {
			expect(() => baseUrlFor(node, credentials('custom', baseUrl), 'gateway')).toThrow(
				NodeOperationError,
			);
		}
	});

	it('an unknown stored environment, even a name Object has, means staging', () => {
		for (const environment of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'dev']) {
			const odd = { ...credentials('staging'), environment } as unknown as ReturnType<
				typeof credentials
			>;
			expect(baseUrlFor(node, odd, 'api')).toBe('https://api-stg.transak.com');
			expect(baseUrlFor(node, odd, 'gateway')).toBe('https://api-gateway-stg.transak.com');
		}
	});
});
