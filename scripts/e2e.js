'use strict';
/**
 * `npm run test:e2e`: the end-to-end suite against real n8n.
 *
 * 1. installs every n8n version under test into the cache (scripts/lib/n8n-install.js; minutes
 *    on a fresh machine, instant afterwards),
 * 2. builds and packs the project once,
 * 3. runs jest with jest.e2e.config.js once per version (env N8N_E2E_VERSION); the global setup
 *    installs the tarball into a fresh n8n user folder and starts n8n,
 * 4. kills any n8n left behind, prints a summary, and exits non-zero if any run failed.
 *
 * Env: N8N_E2E_VERSIONS=2.41.1[,1.123.81] restricts the versions; N8N_E2E_REPORT=<file> writes
 * the summed counts as {numPassedTests, numFailedTests} (what scripts/ci-summary.js reads).
 * Extra arguments go to jest (e.g. `npm run test:e2e -- webhook-trigger`).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const { ensureN8n, SUPPORTED_VERSIONS } = require('./lib/n8n-install');
const { pack, ROOT } = require('./lib/pack');
const { reapRegistered } = require('./lib/n8n-instance');

function log(message) {
	process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function banner(text) {
	const line = '='.repeat(Math.max(60, text.length + 8));
	process.stdout.write(`\n${line}\n=== ${text}\n${line}\n\n`);
}

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

let currentJest;

/** Runs the e2e config for one version; resolves with jest's exit code and its test counts. */
function runJest(version, tarball, pidDir, extraArgs) {
	return new Promise((resolve) => {
		const jestBin = require.resolve('jest/bin/jest', { paths: [ROOT] });
		const resultFile = path.join(pidDir, `jest-${version}.json`);
		const args = [
			jestBin,
			'--config',
			'jest.e2e.config.js',
			'--runInBand',
			'--json',
			`--outputFile=${resultFile}`,
			...extraArgs,
		];
		const child = spawn(process.execPath, args, {
			cwd: ROOT,
			stdio: 'inherit',
			env: {
				...process.env,
				N8N_E2E_VERSION: version,
				N8N_E2E_TARBALL: tarball,
				N8N_E2E_PID_DIR: pidDir,
			},
		});
		currentJest = child;
		child.on('exit', (code) => {
			currentJest = undefined;
			let counts = { passed: 0, failed: 0 };
			try {
				const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
				counts = {
					passed: result.numPassedTests,
					failed: result.numFailedTests + result.numRuntimeErrorTestSuites,
				};
			} catch {
				// No result file: jest failed before running tests (e.g. in the global setup).
			}
			resolve({ code: code === 0 ? 0 : code || 1, counts });
		});
	});
}

async function main() {
	const started = Date.now();
	const versions = versionsUnderTest();
	const extraArgs = process.argv.slice(2);
	const timings = {};

	for (const version of versions) {
		const t = Date.now();
		await ensureN8n(version);
		timings[version] = { ensureSeconds: (Date.now() - t) / 1000 };
	}

	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-transak-e2e-pack-'));
	const pidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-transak-e2e-pids-'));
	const cleanUp = () => {
		reapRegistered({ all: true, dir: pidDir });
		fs.rmSync(packDir, { recursive: true, force: true });
		fs.rmSync(pidDir, { recursive: true, force: true });
	};
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.once(signal, () => {
			if (currentJest) currentJest.kill('SIGTERM');
			setTimeout(() => {
				cleanUp();
				process.exit(130);
			}, 3000);
		});
	}

	const failed = [];
	const totals = { passed: 0, failed: 0 };
	try {
		const tarball = pack({ destination: packDir });
		for (const version of versions) {
			banner(
				`n8n ${version}: e2e suite (real n8n, package installed from ${path.basename(tarball)})`,
			);
			const t = Date.now();
			const { code, counts } = await runJest(version, tarball, pidDir, extraArgs);
			timings[version].suiteSeconds = (Date.now() - t) / 1000;
			timings[version].counts = counts;
			totals.passed += counts.passed;
			totals.failed += counts.failed;
			timings[version].result = code === 0 ? 'passed' : `FAILED (exit ${code})`;
			if (code !== 0) failed.push(version);
			const reaped = reapRegistered({ all: true, dir: pidDir });
			if (reaped) log(`killed ${reaped} n8n process group(s) left by the n8n ${version} run`);
		}
	} finally {
		cleanUp();
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
	process.stdout.write(`e2e: ${totals.passed} passed, ${failedCount} failed\n`);
	if (process.env.N8N_E2E_REPORT) {
		fs.writeFileSync(
			process.env.N8N_E2E_REPORT,
			`${JSON.stringify({ numPassedTests: totals.passed, numFailedTests: failedCount, versions: timings }, null, 2)}\n`,
		);
	}
	if (failed.length) {
		process.stdout.write(`e2e FAILED on n8n ${failed.join(', ')}\n`);
		process.exit(1);
	}
}

main().catch((error) => {
	log(error.stack || String(error));
	process.exit(1);
});
