/**
 * Who may run scripts on `npm ci`. The package's own lifecycle scripts must run, so that a plain
 * `npm pack` or `npm publish` builds before packing (`prepack`); dependencies' install scripts must
 * not (several fail outside n8n's monorepo, and none is needed). npm 11.19's `allowScripts` policy
 * tells the two apart: every dependency with an install script is listed (reviewed), and an
 * unlisted one fails the install (`strict-allow-scripts`).
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const npmrc = fs
	.readFileSync(path.join(ROOT, '.npmrc'), 'utf8')
	.split('\n')
	.map((line) => line.trim())
	.filter((line) => line && !line.startsWith('#'));

/** Package names (as installed) of every locked dependency that declares an install script. */
function withInstallScripts(): string[] {
	const names = new Set<string>();
	for (const [where, entry] of Object.entries<{ hasInstallScript?: boolean }>(lock.packages)) {
		if (where && entry.hasInstallScript)
			names.add(where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
	}
	return [...names].sort();
}

describe('install scripts', () => {
	test('lifecycle scripts are not switched off for the project (so `npm pack` builds)', () => {
		expect(npmrc.filter((line) => /^ignore-scripts\s*=/.test(line))).toEqual([]);
		expect(manifest.scripts.prepack).toMatch(/\bbuild\b/);
	});

	test('every dependency with an install script is reviewed in allowScripts, and denied', () => {
		const reviewed = manifest.allowScripts ?? {};
		const found = withInstallScripts();
		expect(found.length).toBeGreaterThan(0);
		for (const name of found)
			expect({ name, allowed: reviewed[name] }).toEqual({ name, allowed: false });
	});

	test('an unreviewed install script fails the install, and npm must know the policy (11.19+)', () => {
		expect(npmrc).toContain('strict-allow-scripts=true');
		expect(manifest.devEngines.packageManager).toMatchObject({
			name: 'npm',
			version: '>=11.19.0',
			onFail: 'error',
		});
	});
});
