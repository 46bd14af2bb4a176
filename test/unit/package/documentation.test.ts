/**
 * The nodes' and the credential's documentation links point at Transak's current documentation
 * (docs.transak.com/features/..., /guides/...), not at the retired /docs/ and /reference/ pages.
 */
import * as fs from 'fs';
import * as path from 'path';

import { TransakApi } from '../../../credentials/TransakApi.credentials';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CURRENT_PAGES = new Set([
	'https://docs.transak.com/features/webhooks',
	'https://docs.transak.com/features/websockets',
	'https://docs.transak.com/guides/track-order-status',
	'https://docs.transak.com/guides/how-to-create-partner-access-token',
]);

function codexUrls(): string[] {
	const folder = path.join(ROOT, 'nodes', 'Transak');
	return fs
		.readdirSync(folder)
		.filter((file) => file.endsWith('.node.json'))
		.flatMap((file) => {
			const codex = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
			const resources = codex.resources ?? {};
			return [
				...(resources.primaryDocumentation ?? []),
				...(resources.credentialDocumentation ?? []),
			].map((link: { url: string }) => link.url);
		});
}

describe('documentation links', () => {
	it('every codex file links to current Transak pages', () => {
		const urls = codexUrls();
		expect(urls.length).toBeGreaterThanOrEqual(7);
		for (const url of urls) expect(CURRENT_PAGES).toContain(url);
	});

	it('the credential links to the current page on partner access tokens', () => {
		expect(CURRENT_PAGES).toContain(new TransakApi().documentationUrl);
	});
});
