/**
 * The nodes' and the credential's documentation links point at Transak's current documentation
 * (docs.transak.com/features/..., /guides/...), not at the retired /docs/ and /reference/ pages;
 * the README's status tables say what the status table in the code says.
 */
import * as fs from 'fs';
import * as path from 'path';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import { ROUTER_VERSIONS } from '../../../nodes/Transak/TransakStatusRouter.node';
import { routesOfVersion } from '../../../nodes/Transak/model/routes';
import { KYC_EVENTS, ORDER_EVENTS, OTHER_ROUTE_NAME } from '../../../nodes/Transak/model/statuses';

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

describe('README tables', () => {
	const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

	it('the Status Router table lists the outputs of the current router version, as the status table has them', () => {
		const start = readme.indexOf('| #   | Output');
		const lines = readme.slice(start).split('\n');
		const rows = lines.slice(
			2,
			lines.findIndex((line) => !line.startsWith('|')),
		);
		const cells = rows.map((row) =>
			row
				.split('|')
				.slice(1, -1)
				.map((cell) => cell.trim()),
		);
		const version = Math.max(...ROUTER_VERSIONS);
		const expected = [
			...routesOfVersion(version).map((route, index) => [
				String(index),
				route.name,
				route.statuses.map((status) => `\`${status}\``).join(', '),
			]),
			[String(routesOfVersion(version).length), OTHER_ROUTE_NAME],
		];
		expect(cells.map((row, index) => (index === cells.length - 1 ? row.slice(0, 2) : row))).toEqual(
			expected,
		);
	});

	it('the Transak Trigger section names every event of the status table', () => {
		const events = readme.slice(readme.indexOf('**Events**: order'));
		const paragraph = events.slice(0, events.indexOf('\n\n'));
		for (const option of [...ORDER_EVENTS, ...KYC_EVENTS])
			expect(paragraph).toContain(`\`${String(option.value)}\``);
	});
});
