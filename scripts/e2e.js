'use strict';
/**
 * `npm run test:e2e`: the end-to-end suite against real n8n.
 *
 * 1. installs every n8n version under test into the cache (minutes on a fresh machine, with
 *    progress lines; instant afterwards),
 * 2. builds and packs the project once,
 * 3. runs jest with jest.e2e.config.js once per version (env N8N_E2E_VERSION); its global setup
 *    starts n8n with the tarball installed in a fresh user folder (tools/n8n/launch.js),
 * 4. kills any process left behind, prints a summary, and exits non-zero if any run failed.
 *
 * Env: N8N_E2E_VERSIONS=2.41.1[,1.123.81] restricts the versions; N8N_E2E_REPORT=<file> writes
 * the summed counts as {numPassedTests, numFailedTests} (what scripts/ci-summary.js reads).
 * Extra arguments go to jest (e.g. `npm run test:e2e -- webhook-trigger`).
 */
const path = require('path');

const { banner, logger } = require('../tools/log');
const { ensureN8n, SUPPORTED_VERSIONS } = require('../tools/n8n/install');
const { pack } = require('../tools/n8n/pack');
const { reap, tempDir } = require('../tools/processes');
const { report, runJest } = require('../tools/suite');

const log = logger('e2e');

function versionsUnderTest() {
	const requested = (process.env.N8N_E2E_VERSIONS || SUPPORTED_VERSIONS.join(','))
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);
	const unknown = requested.filter((v) => !SUPPORTED_VERSIONS.includes(v));
	if (unknown.length)
		throw new Error(
			`N8N_E2E_VERSIONS: unsupported ${unknown.join(', ')} (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
		);
	return requested;
}

async function main() {
	const started = Date.now();
	const versions = versionsUnderTest();
	const timings = {};
	for (const version of versions) {
		const t = Date.now();
		await ensureN8n(version);
		timings[version] = { ensureSeconds: (Date.now() - t) / 1000 };
	}

	// This run's processes are registered apart, so that it reaps only its own.
	const run = tempDir('n8n-nodes-transak-e2e-');
	process.env.N8N_TRANSAK_PID_DIR = path.join(run.dir, 'pids');
	const failed = [];
	const totals = { passed: 0, failed: 0 };
	try {
		const tarball = pack({ destination: run.dir });
		for (const version of versions) {
			banner(`n8n ${version}: e2e suite (real n8n, package from ${path.basename(tarball)})`);
			const t = Date.now();
			const { code, counts } = await runJest({
				config: 'jest.e2e.config.js',
				env: { N8N_E2E_VERSION: version, N8N_E2E_TARBALL: tarball },
				extraArgs: process.argv.slice(2),
				resultFile: path.join(run.dir, `jest-${version}.json`),
			});
			Object.assign(timings[version], {
				suiteSeconds: (Date.now() - t) / 1000,
				counts,
				result: code === 0 ? 'passed' : `FAILED (exit ${code})`,
			});
			totals.passed += counts.passed;
			totals.failed += counts.failed;
			if (code !== 0) failed.push(version);
			const reaped = reap({ all: true });
			if (reaped) log(`killed ${reaped} process group(s) left by the n8n ${version} run`);
		}
	} finally {
		reap({ all: true });
		run.remove();
	}

	banner('e2e summary');
	for (const version of versions) {
		const t = timings[version];
		process.stdout.write(
			`n8n ${version.padEnd(9)} ${String(t.result ?? 'not run').padEnd(16)} ${t.counts ? `${t.counts.passed} passed, ${t.counts.failed} failed` : ''}; install/check ${t.ensureSeconds.toFixed(0)} s, suite ${t.suiteSeconds?.toFixed(0) ?? '-'} s\n`,
		);
	}
	process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
	// A run that never reached its tests (a failed global setup) counts as a failure too.
	const failedCount = totals.failed + (failed.length && !totals.failed ? failed.length : 0);
	report('e2e', process.env.N8N_E2E_REPORT, totals.passed, failedCount, { versions: timings });
	if (failed.length) {
		process.stdout.write(`e2e FAILED on n8n ${failed.join(', ')}\n`);
		process.exit(1);
	}
}

main().catch((error) => {
	log(error.stack || String(error));
	process.exit(1);
});
