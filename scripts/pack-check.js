'use strict';
/**
 * `npm run test:pack`: the tarball as it is published, made the way a maintainer or the publish
 * workflow makes it, from a clean clone of the committed tree.
 *
 * 1. `git clone` of HEAD into a temp folder, `npm ci` there (dependency install scripts stay off:
 *    package.json's allowScripts; the package's own lifecycle scripts run);
 * 2. `npm pack --json` (what a maintainer types) and `npm publish --dry-run --json` (what the
 *    publish workflow runs): each builds first (`prepack`) and lists what it packs;
 * 3. each list must be exactly what the sources promise: one compiled file per node, credential
 *    and module, the icons, the codex files, package.json, README, LICENSE and CHANGELOG; no
 *    sources, maps, tests, fixtures or tools; and every file package.json's `n8n` field names.
 *
 * The e2e, queue and browser suites install a tarball made by tools/n8n/pack.js, which checks
 * its file list with the same rule (expectedFiles below).
 *
 * Env: N8N_PACK_REPORT=<file> writes {numPassedTests, numFailedTests} for scripts/ci-summary.js.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const { expectedFiles, npmReport, tarballProblems } = require('../tools/n8n/tarball');

const ROOT = path.resolve(__dirname, '..');

function run(command, args, cwd) {
	const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result.stdout;
}

function main() {
	const started = Date.now();
	const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-transak-clone-'));
	let failed = 0;
	let passed = 0;
	try {
		run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], ROOT);
		console.log(
			`[pack] clean clone of ${run('git', ['rev-parse', '--short', 'HEAD'], clone).trim()}`,
		);
		run('npm', ['ci', '--no-audit', '--no-fund'], clone);
		const [packed] = npmReport(run('npm', ['pack', '--json'], clone));
		const [published] = Object.values(
			npmReport(run('npm', ['publish', '--dry-run', '--json'], clone)),
		);
		const expected = expectedFiles(clone);
		for (const [how, report] of [
			['npm pack', packed],
			['npm publish', published],
		]) {
			const listed = (report.files ?? []).map((file) => file.path);
			const problems = tarballProblems(listed, expected);
			if (problems.length) {
				failed += 1;
				console.log(`[pack] FAIL: ${how}: the tarball is not what the sources promise:`);
				for (const problem of problems) console.log(`  - ${problem}`);
			} else if (report.name !== 'n8n-nodes-transak') {
				failed += 1;
				console.log(`[pack] FAIL: ${how}: the tarball is named ${report.name}`);
			} else {
				passed += 1;
				console.log(`[pack] ok: ${how}: ${listed.length} files, exactly the expected ones`);
			}
		}
	} finally {
		fs.rmSync(clone, { recursive: true, force: true });
	}
	console.log(`[pack] ${((Date.now() - started) / 1000).toFixed(1)} s`);
	if (process.env.N8N_PACK_REPORT) {
		fs.writeFileSync(
			process.env.N8N_PACK_REPORT,
			JSON.stringify({ numPassedTests: passed, numFailedTests: failed }),
		);
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed > 0 ? 1 : 0);
}

main();
