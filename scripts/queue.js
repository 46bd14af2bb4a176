'use strict';
/**
 * `npm run test:queue`: the package in n8n's queue mode.
 *
 * 1. installs PostgreSQL and Redis from Debian packages if missing (apt-get; needs root, as CI has),
 * 2. installs n8n 2.41.1 into the cache if missing, builds and packs the project,
 * 3. starts PostgreSQL and Redis on 127.0.0.1 with throwaway data folders, then n8n in queue
 *    mode: one main, two webhook processors, one worker, each with the package installed in its
 *    own user folder as users install it (scripts/lib/queue-cluster.js),
 * 4. runs jest with jest.queue.config.js against it (test/queue),
 * 5. stops every process and server it started, also when a check or the setup fails, checks that
 *    none is left, prints timings and the measured figures, exits non-zero on any failure.
 *
 * Extra arguments go to jest (e.g. `npm run test:queue -- duplicates`). N8N_QUEUE_KEEP_LOGS=1
 * keeps the processes' logs after a passing run too (they are always kept after a failure).
 * N8N_QUEUE_REPORT=<file> writes {numPassedTests, numFailedTests, timings, results} (what
 * scripts/ci-summary.js reads), also when the run fails.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const { ensureN8n } = require('./lib/n8n-install');
const { pack, ROOT } = require('./lib/pack');
const { startQueueCluster } = require('./lib/queue-cluster');
const { ensureServicePackages } = require('./lib/queue-services');
const { reapOrphans, removeOnExit, runningProcesses, isAlive, log } = require('./lib/queue-procs');

const VERSION = '2.41.1';

function banner(text) {
	const line = '='.repeat(Math.max(60, text.length + 8));
	process.stdout.write(`\n${line}\n=== ${text}\n${line}\n\n`);
}

let jestChild;

function runJest(connection, resultsDir, extraArgs) {
	return new Promise((resolve) => {
		const jestBin = require.resolve('jest/bin/jest', { paths: [ROOT] });
		const resultFile = path.join(resultsDir, 'jest.json');
		const args = [
			jestBin,
			'--config',
			'jest.queue.config.js',
			'--runInBand',
			'--json',
			`--outputFile=${resultFile}`,
			...extraArgs,
		];
		jestChild = spawn(process.execPath, args, {
			cwd: ROOT,
			stdio: 'inherit',
			env: {
				...process.env,
				N8N_QUEUE_CONNECTION: JSON.stringify(connection),
				N8N_QUEUE_RESULTS: resultsDir,
			},
		});
		jestChild.on('exit', (code) => {
			jestChild = undefined;
			let counts = { passed: 0, failed: 0 };
			try {
				const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
				counts = {
					passed: result.numPassedTests,
					failed: result.numFailedTests + result.numRuntimeErrorTestSuites,
				};
			} catch {
				// No result file: jest failed before running tests.
			}
			resolve({ code: code === 0 ? 0 : code || 1, counts });
		});
	});
}

function readResults(resultsDir) {
	const file = path.join(resultsDir, 'results.jsonl');
	if (!fs.existsSync(file)) return [];
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line));
}

async function main() {
	const started = Date.now();
	const timings = {};
	const extraArgs = process.argv.slice(2);
	const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-transak-queue-results-'));
	removeOnExit(resultsDir);
	let cluster;
	let outcome = { code: 1, counts: { passed: 0, failed: 0 } };
	let setupError;
	const pids = [];

	process.once('SIGINT', () => jestChild?.kill('SIGTERM'));
	const reaped = reapOrphans();
	if (reaped) log(`killed ${reaped} process group(s) left by an earlier run`);

	try {
		let t = Date.now();
		const packages = ensureServicePackages();
		timings.aptGet = packages.installed.length
			? `${packages.seconds.toFixed(1)} s (${packages.installed.join(', ')})`
			: 'already installed';
		t = Date.now();
		await ensureN8n(VERSION);
		timings.n8nCache = `${((Date.now() - t) / 1000).toFixed(1)} s`;
		t = Date.now();
		const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-transak-queue-pack-'));
		removeOnExit(packDir);
		const tarball = pack({ destination: packDir });
		timings.pack = `${((Date.now() - t) / 1000).toFixed(1)} s`;

		banner(`n8n ${VERSION} queue mode: PostgreSQL, Redis, main, 2 webhook processors, 1 worker`);
		t = Date.now();
		cluster = await startQueueCluster({ version: VERSION, tarball, webhooks: 2, workers: 1 });
		fs.rmSync(packDir, { recursive: true, force: true });
		timings.clusterStart = `${((Date.now() - t) / 1000).toFixed(1)} s (PostgreSQL + Redis ${(cluster.timings.servicesMs / 1000).toFixed(1)} s, main ${(cluster.timings.mainMs / 1000).toFixed(1)} s, webhook processors + worker ${(cluster.timings.othersMs / 1000).toFixed(1)} s)`;
		pids.push(...cluster.processes.map((p) => p.pid), ...cluster.servers.map((p) => p.pid));

		banner('queue-mode suite (jest.queue.config.js)');
		t = Date.now();
		outcome = await runJest(cluster.connection(), resultsDir, extraArgs);
		timings.suite = `${((Date.now() - t) / 1000).toFixed(1)} s`;
	} catch (error) {
		setupError = error;
		log(error.stack || String(error));
	} finally {
		const t = Date.now();
		const keep =
			outcome.code !== 0 || setupError !== undefined || process.env.N8N_QUEUE_KEEP_LOGS === '1';
		if (cluster) await cluster.stop({ keep });
		else {
			const { stopAll } = require('./lib/queue-procs');
			await stopAll();
		}
		timings.stop = `${((Date.now() - t) / 1000).toFixed(1)} s`;
		if (cluster && keep) timings.logs = cluster.runDir;
	}

	// Nothing this run started may outlive it.
	const leftovers = [
		...runningProcesses().map((p) => `${p.name} (pid ${p.pid})`),
		...pids.filter(isAlive).map((pid) => `pid ${pid}`),
	];

	banner('queue-mode summary');
	const results = readResults(resultsDir);
	for (const [name, value] of Object.entries(timings))
		process.stdout.write(`${name.padEnd(14)} ${value}\n`);
	for (const { name, value } of results)
		process.stdout.write(`${name.padEnd(14)} ${JSON.stringify(value)}\n`);
	fs.rmSync(resultsDir, { recursive: true, force: true });
	// A jest run that failed before any test (or a failed setup, or a leftover process) counts too.
	const failedCount =
		outcome.counts.failed +
		(outcome.code !== 0 && outcome.counts.failed === 0 ? 1 : 0) +
		(setupError ? 1 : 0) +
		(leftovers.length ? 1 : 0);
	if (process.env.N8N_QUEUE_REPORT) {
		const report = {
			numPassedTests: outcome.counts.passed,
			numFailedTests: failedCount,
			timings,
			results,
			leftovers,
		};
		fs.writeFileSync(process.env.N8N_QUEUE_REPORT, `${JSON.stringify(report, null, 2)}\n`);
	}
	process.stdout.write(`total          ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
	process.stdout.write(`left running   ${leftovers.length ? leftovers.join(', ') : 'nothing'}\n`);
	process.stdout.write(`test:queue: ${outcome.counts.passed} passed, ${failedCount} failed\n`);
	if (setupError || outcome.code !== 0 || leftovers.length) {
		process.stdout.write('test:queue FAILED\n');
		process.exit(1);
	}
}

main().catch((error) => {
	log(error.stack || String(error));
	process.exit(1);
});
