'use strict';
/**
 * `npm run test:pack`: the tarball as it is published, made the way a maintainer or the publish
 * workflow makes it, from a clean clone of the committed tree.
 *
 * 1. `git clone` of HEAD into a temp folder, `npm ci` there (dependency scripts stay off: .npmrc);
 * 2. `npm publish --dry-run --json`: npm builds first (package.json's publishConfig turns lifecycle
 *    scripts back on for the package itself, so `prepack` runs) and lists what it would upload;
 * 3. that list must be exactly what the sources promise: one compiled file per node, credential
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

const { expectedFiles, tarballProblems } = require('../tools/n8n/tarball');

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

/** npm prints the build's output before its JSON report ({<name>: {files, ...}}). */
function publishReport(text) {
	const at = text.startsWith('{') ? 0 : text.indexOf('\n{') + 1;
	const [report] = Object.values(JSON.parse(text.slice(at)));
	return report;
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
		const report = publishReport(run('npm', ['publish', '--dry-run', '--json'], clone));
		const listed = (report.files ?? []).map((file) => file.path);
		const problems = tarballProblems(listed, expectedFiles(clone));
		if (problems.length) {
			failed += 1;
			console.log(`[pack] FAIL: the published tarball is not what the sources promise:`);
			for (const problem of problems) console.log(`  - ${problem}`);
		} else {
			passed += 1;
			console.log(`[pack] ok: ${listed.length} files, exactly the expected ones`);
		}
		if (report.name !== 'n8n-nodes-transak') {
			failed += 1;
			console.log(`[pack] FAIL: the tarball is named ${report.name}`);
		} else passed += 1;
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
