'use strict';
/**
 * `npm run bench:queue`: the Transak Trigger in n8n's queue mode against one n8n process.
 *
 * In one run, on one PostgreSQL (separate databases) and the same machine:
 * 1. a single n8n process (regular mode) and the queue installation (main, two webhook
 *    processors, one worker, Redis) each take the same workflow, a Transak Trigger, the same
 *    ~5.5 KB signed body (distinct orders, so none is skipped as a repeat), concurrency 50.
 *    Printed per mode: HTTP throughput (answers/s) and p50/p99 latency of the answer, and
 *    end-to-end throughput (executions finished/s, until the queue is drained); then the ratios.
 *    The single process runs while the idle queue processes wait; it is stopped before the queue
 *    installation is measured.
 * 2. 2,000 genuine deliveries with forged ones interleaved (1 per 4), alternating between the two
 *    webhook processors, every 10th genuine one also sent to the other processor at the same
 *    moment: exactly 2,000 executions, none from forged deliveries, none duplicated, none lost.
 *
 * Env: BENCH_REQUESTS (1000 per round), BENCH_ROUNDS (3), BENCH_CONCURRENCY (50), BENCH_GENUINE
 * (2000). Exits non-zero if part 2 is not exact. The machine's core count is printed: on a small
 * machine every process competes for the same cores, and the figures say so.
 */
const crypto = require('crypto');
const os = require('os');
const path = require('path');

const { runLoad, percentile, countBy } = require('../tools/load');
const { sleep } = require('../tools/log');
const { ensureN8n } = require('../tools/n8n/install');
const { startN8n, startQueueCluster } = require('../tools/n8n/launch');
const { pack } = require('../tools/n8n/pack');
const { signingCredential, transakTrigger, triggerOrderIds } = require('../tools/n8n/workflows');
const { reap, tempDir } = require('../tools/processes');
const { ensureServicePackages } = require('../tools/services');
const fx = require('../tools/transak/fixtures');

const VERSION = '2.41.1';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const GENUINE = Number(process.env.BENCH_GENUINE || 2000);
const FORGED_EVERY = 4;
const COPY_EVERY = 10;
const WARM_UP = 200;
const ACCESS_TOKEN = crypto.randomBytes(24).toString('base64url');

const say = (line) => console.log(line);

const genuineBodies = (count, prefix) => fx.completedOrderBodies(count, prefix, ACCESS_TOKEN);

/** Creates, activates and waits for the bench workflow on `client`, served by `targets`. */
async function benchWorkflow(client, targets, name) {
	const credential = await signingCredential(client, { accessToken: ACCESS_TOKEN });
	const hook = crypto.randomUUID();
	const trigger = transakTrigger({ webhookId: hook, credential, options: {}, typeVersion: 2 });
	const workflow = await client.createWorkflow({ name, nodes: [trigger] });
	await client.activate(workflow.id);
	for (const target of targets)
		await target.waitForWebhook(`${hook}/webhook`, { timeoutMs: 60_000 });
	return { id: workflow.id, urls: targets.map((t) => `${t.baseUrl}/webhook/${hook}/webhook`) };
}

/** Finished executions of a workflow, counted in PostgreSQL (cheap enough to poll under load). */
function finishedCount(postgres, db, workflowId) {
	const out = postgres.query(
		db,
		`select count(*) from execution_entity where "workflowId" = '${workflowId}' and "stoppedAt" is not null`,
	);
	return Number(out.trim());
}

async function drain(postgres, db, workflowId, expected, timeoutMs = 600_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const done = finishedCount(postgres, db, workflowId);
		if (done >= expected) return done;
		if (Date.now() > deadline)
			throw new Error(
				`workflow ${workflowId}: ${done} of ${expected} executions finished after ${timeoutMs / 1000} s`,
			);
		await sleep(250);
	}
}

/** Total answers that are not 200 (n8n answers 503 while its database check lags on a busy machine). */
function failures(statuses) {
	return statuses.filter((s) => s !== 200).length;
}

/** Warm-up, then ROUNDS rounds: HTTP figures per round, and time until every execution finished. */
async function measure(label, { postgres, db, workflow }) {
	let accepted = 0;
	const warm = await runLoad({
		url: (i) => workflow.urls[i % workflow.urls.length],
		bodies: genuineBodies(WARM_UP, `${label}-warm`),
		concurrency: CONCURRENCY,
	});
	accepted += WARM_UP - failures(warm.statuses);
	await drain(postgres, db, workflow.id, accepted);
	const rounds = [];
	for (let round = 0; round < ROUNDS; round += 1) {
		const bodies = genuineBodies(REQUESTS, `${label}-r${round}`);
		const started = Date.now();
		const run = await runLoad({
			url: (i) => workflow.urls[i % workflow.urls.length],
			bodies,
			concurrency: CONCURRENCY,
		});
		const ok = REQUESTS - failures(run.statuses);
		accepted += ok;
		await drain(postgres, db, workflow.id, accepted);
		const endToEndSeconds = (Date.now() - started) / 1000;
		// Throughput counts accepted deliveries only.
		rounds.push({
			...run,
			throughput: ok / run.seconds,
			endToEnd: ok / endToEndSeconds,
			refused: REQUESTS - ok,
		});
		say(
			`  ${label} round ${round + 1}: ${(ok / run.seconds).toFixed(0)} answers/s, p50 ${percentile(run.latenciesMs, 50).toFixed(1)} ms, ` +
				`p99 ${percentile(run.latenciesMs, 99).toFixed(1)} ms; all ${ok} executions finished after ${endToEndSeconds.toFixed(1)} s (${(ok / endToEndSeconds).toFixed(0)}/s)` +
				(ok === REQUESTS
					? ''
					: `; NOT accepted by n8n: ${JSON.stringify(countBy(run.statuses.filter((s) => s !== 200)))}`),
		);
	}
	const latencies = rounds.flatMap((r) => r.latenciesMs);
	const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	return {
		throughput: median(rounds.map((r) => r.throughput)),
		endToEnd: median(rounds.map((r) => r.endToEnd)),
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		refused: rounds.reduce((sum, r) => sum + r.refused, 0),
	};
}

async function exactlyOnce(cluster) {
	const workflow = await benchWorkflow(
		cluster.main,
		cluster.webhooks,
		'bench: 2,000 genuine + forged over two processors',
	);
	const genuine = genuineBodies(GENUINE, 'load');
	const requests = []; // { body, target, kind }
	genuine.forEach((body, i) => {
		const target = i % 2;
		requests.push({ body, target, kind: 'genuine' });
		if (i % COPY_EVERY === 0) requests.push({ body, target: 1 - target, kind: 'copy' });
		if (i % FORGED_EVERY === 0) {
			requests.push({
				body: {
					data: fx.forge(fx.orderClaims('ORDER_COMPLETED', fx.sampleOrder({ id: `forged-${i}` }))),
				},
				target: 1 - target,
				kind: 'forged',
			});
		}
	});
	const run = await runLoad({
		url: (i) => workflow.urls[requests[i].target],
		bodies: requests.map((r) => r.body),
		concurrency: CONCURRENCY,
	});
	const statuses = [...run.statuses];
	// As Transak would: a delivery n8n did not answer (a dropped connection, 5xx) is sent again.
	let resent = 0;
	for (let attempt = 1; attempt <= 5; attempt += 1) {
		const again = statuses.map((s, i) => (s === 0 || s >= 500 ? i : -1)).filter((i) => i >= 0);
		if (again.length === 0) break;
		resent += again.length;
		await sleep(1000);
		const retry = await runLoad({
			url: (j) => workflow.urls[requests[again[j]].target],
			bodies: again.map((i) => requests[i].body),
			concurrency: CONCURRENCY,
		});
		again.forEach((i, j) => (statuses[i] = retry.statuses[j]));
	}
	const byKind = {};
	requests.forEach((r, i) => {
		byKind[r.kind] ??= [];
		byKind[r.kind].push(statuses[i]);
	});
	const counts = Object.fromEntries(
		Object.entries(byKind).map(([kind, list]) => [kind, countBy(list)]),
	);
	say(
		`  ${GENUINE} genuine + ${byKind.copy.length} copies to the other processor + ${byKind.forged.length} forged, concurrency ${CONCURRENCY}, ` +
			`in ${run.seconds.toFixed(1)} s; final answers ${JSON.stringify(counts)}; first answers ${JSON.stringify(countBy(run.statuses))}, ${resent} re-sent`,
	);
	await drain(cluster.postgres, 'n8n', workflow.id, GENUINE);
	await sleep(3000);
	const final = await cluster.main.executions(workflow.id);
	const ids = triggerOrderIds(final);
	const unique = new Set(ids);
	const forgedRan = ids.filter((id) => String(id).startsWith('forged-')).length;
	const lost = genuine.filter((_, i) => !unique.has(`load-${i}`)).length;
	const duplicated = ids.length - unique.size;
	const failed = final.filter((e) => e.status !== 'success').length;
	say(
		`  ${final.length} executions (expected ${GENUINE}): ${forgedRan} from forged, ${duplicated} duplicated, ${lost} lost, ${failed} not successful`,
	);
	const answersRight =
		byKind.genuine.every((s) => s === 200) &&
		byKind.copy.every((s) => s === 200) &&
		byKind.forged.every((s) => s === 401);
	const exact =
		final.length === GENUINE &&
		forgedRan === 0 &&
		duplicated === 0 &&
		lost === 0 &&
		failed === 0 &&
		answersRight;
	say(exact ? '  exactly once: OK' : '  exactly once: FAILED');
	return exact;
}

async function main() {
	const started = Date.now();
	reap();
	ensureServicePackages();
	await ensureN8n(VERSION);
	const packDir = tempDir('n8n-transak-bench-pack-');
	const tarball = pack({ destination: packDir.dir });
	const body = fx.orderWebhookBody(
		'ORDER_COMPLETED',
		fx.sampleOrder({ id: 'size-check' }),
		ACCESS_TOKEN,
	);
	// warn: per-execution info lines would cost the queue processes more than the single one.
	const cluster = await startQueueCluster({
		version: VERSION,
		tarball,
		webhooks: 2,
		workers: 1,
		logLevel: 'warn',
	});
	let exact = false;
	try {
		say(
			`\nn8n ${VERSION}; ${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os
				.loadavg()
				.map((l) => l.toFixed(1))
				.join(' ')}; ` +
				`body ${JSON.stringify(body).length} bytes; concurrency ${CONCURRENCY}; ${ROUNDS} rounds of ${REQUESTS}; PostgreSQL with fsync off`,
		);

		say('\nsingle n8n process (regular mode, PostgreSQL):');
		cluster.postgres.query('postgres', 'create database single');
		const single = await startN8n({
			version: VERSION,
			tarball,
			env: cluster.postgres.n8nEnv('single'),
			userFolder: path.join(cluster.runDir, 'single'),
			logLevel: 'warn',
		});
		let singleFigures;
		try {
			const workflow = await benchWorkflow(single, [single], 'bench: single process');
			singleFigures = await measure('single', {
				postgres: cluster.postgres,
				db: 'single',
				workflow,
			});
		} finally {
			await single.stop();
		}

		say(
			`\nqueue mode (main + ${cluster.webhooks.length} webhook processors + ${cluster.workers.length} worker, concurrency 10, Redis, PostgreSQL):`,
		);
		const workflow = await benchWorkflow(cluster.main, cluster.webhooks, 'bench: queue mode');
		const queueFigures = await measure('queue', {
			postgres: cluster.postgres,
			db: 'n8n',
			workflow,
		});

		say('\nsummary (median round throughput; p50/p99 over every round):');
		const line = (label, f) =>
			say(
				`  ${label.padEnd(34)} ${f.throughput.toFixed(0).padStart(5)} answers/s   p50 ${f.p50.toFixed(1).padStart(7)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms   ${f.endToEnd.toFixed(0).padStart(5)} executions/s end to end`,
			);
		line('single process', singleFigures);
		line('queue: 2 webhook procs + 1 worker', queueFigures);
		if (singleFigures.refused || queueFigures.refused) {
			say(
				`  deliveries n8n did not accept (not counted above): single ${singleFigures.refused}, queue ${queueFigures.refused}`,
			);
		}
		say(
			`  ratio queue/single: throughput ${(queueFigures.throughput / singleFigures.throughput).toFixed(2)}, ` +
				`p99 ${(queueFigures.p99 / singleFigures.p99).toFixed(2)}, end to end ${(queueFigures.endToEnd / singleFigures.endToEnd).toFixed(2)}`,
		);

		say(`\nexactly once in queue mode:`);
		exact = await exactlyOnce(cluster);
	} finally {
		await cluster.stop();
		packDir.remove();
	}
	say(`\nbench:queue done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	if (!exact) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
