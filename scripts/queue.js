'use strict';
/**
 * `npm run test:queue`: the package in n8n's queue mode.
 *
 * 1. installs PostgreSQL and Redis from Debian packages if missing (apt-get; needs root, as CI has),
 * 2. installs n8n 2.41.1 into the cache if missing, builds and packs the project,
 * 3. starts PostgreSQL and Redis on 127.0.0.1 with throwaway data folders, then n8n in queue
 *    mode: one main, two webhook processors, two workers, each with the package installed in its
 *    own user folder as users install it (tools/n8n/launch.js),
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
const path = require('path');

const { banner, logger, since } = require('../tools/log');
const { ensureN8n } = require('../tools/n8n/install');
const { startQueueCluster } = require('../tools/n8n/launch');
const { pack } = require('../tools/n8n/pack');
const { isAlive, reap, runningProcesses, stopAll, tempDir } = require('../tools/processes');
const { ensureServicePackages } = require('../tools/services');
const { report, runJest } = require('../tools/suite');

const VERSION = '2.41.1';
const log = logger('queue');

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
	const run = tempDir('n8n-transak-queue-run-');
	let cluster;
	let outcome = { code: 1, counts: { passed: 0, failed: 0 } };
	let setupError;
	const pids = [];

	const reaped = reap();
	if (reaped) log(`killed ${reaped} process group(s) left by an earlier run`);

	try {
		const packages = ensureServicePackages();
		timings.aptGet = packages.installed.length
			? `${packages.seconds.toFixed(1)} s (${packages.installed.join(', ')})`
			: 'already installed';
		let t = Date.now();
		await ensureN8n(VERSION);
		timings.n8nCache = since(t);
		t = Date.now();
		const tarball = pack({ destination: run.dir });
		timings.pack = since(t);

		banner(`n8n ${VERSION} queue mode: PostgreSQL, Redis, main, 2 webhook processors, 2 workers`);
		t = Date.now();
		cluster = await startQueueCluster({ version: VERSION, tarball, webhooks: 2, workers: 2 });
		const c = cluster.timings;
		timings.clusterStart = `${since(t)} (PostgreSQL + Redis ${(c.servicesMs / 1000).toFixed(1)} s, main ${(c.mainMs / 1000).toFixed(1)} s, webhook processors + worker ${(c.othersMs / 1000).toFixed(1)} s)`;
		pids.push(...cluster.pids());

		banner('queue-mode suite (jest.queue.config.js)');
		t = Date.now();
		outcome = await runJest({
			config: 'jest.queue.config.js',
			env: {
				N8N_TRANSAK_CONNECTION: JSON.stringify(cluster.connection()),
				N8N_QUEUE_RESULTS: run.dir,
			},
			extraArgs: process.argv.slice(2),
			resultFile: path.join(run.dir, 'jest.json'),
		});
		timings.suite = since(t);
	} catch (error) {
		setupError = error;
		log(error.stack || String(error));
	} finally {
		const t = Date.now();
		const keep =
			outcome.code !== 0 || setupError !== undefined || process.env.N8N_QUEUE_KEEP_LOGS === '1';
		if (cluster) await cluster.stop({ keep });
		else await stopAll();
		timings.stop = since(t);
		if (cluster && keep) timings.logs = cluster.runDir;
	}

	// Nothing this run started may outlive it.
	const leftovers = [
		...runningProcesses().map((p) => `${p.name} (pid ${p.pid})`),
		...pids.filter(isAlive).map((pid) => `pid ${pid}`),
	];

	banner('queue-mode summary');
	const results = readResults(run.dir);
	for (const [name, value] of Object.entries(timings))
		process.stdout.write(`${name.padEnd(14)} ${value}\n`);
	for (const { name, value } of results)
		process.stdout.write(`${name.padEnd(14)} ${JSON.stringify(value)}\n`);
	run.remove();
	// A jest run that failed before any test (or a failed setup, or a leftover process) counts too.
	const failedCount =
		outcome.counts.failed +
		(outcome.code !== 0 && outcome.counts.failed === 0 ? 1 : 0) +
		(setupError ? 1 : 0) +
		(leftovers.length ? 1 : 0);
	process.stdout.write(`total          ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
	process.stdout.write(`left running   ${leftovers.length ? leftovers.join(', ') : 'nothing'}\n`);
	report('test:queue', process.env.N8N_QUEUE_REPORT, outcome.counts.passed, failedCount, {
		timings,
		results,
		leftovers,
	});
	if (setupError || outcome.code !== 0 || leftovers.length) {
		process.stdout.write('test:queue FAILED\n');
		process.exit(1);
	}
}

main().catch((error) => {
	log(error.stack || String(error));
	process.exit(1);
});
