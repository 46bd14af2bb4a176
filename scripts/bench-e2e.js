'use strict';
/**
 * `npm run bench:e2e`: the Transak Trigger in a real n8n against n8n's own Webhook node, in the
 * same n8n run, same ~6 KB body, same concurrency; then 2,000 genuine deliveries with forged ones
 * interleaved, which must give exactly 2,000 executions, none forged, none duplicated.
 */
const crypto = require('crypto');

const { runLoad, percentile, countBy } = require('../tools/load');
const { startN8n } = require('../tools/n8n/launch');
const { pack } = require('../tools/n8n/pack');
const { signingCredential, transakTrigger, triggerOrderIds } = require('../tools/n8n/workflows');
const fx = require('../tools/transak/fixtures');

const VERSION = process.env.N8N_BENCH_VERSION || '2.41.1';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const GENUINE = Number(process.env.BENCH_GENUINE || 2000);
const FORGED_EVERY = 4;

const ACCESS_TOKEN = crypto.randomBytes(24).toString('base64url');

const genuineBodies = (count, prefix) => fx.completedOrderBodies(count, prefix, ACCESS_TOKEN);

async function main() {
	const tarball = pack();
	// Info level: debug logging would weigh on both workflows alike but hide the package's own cost.
	const n8n = await startN8n({ version: VERSION, tarball, logLevel: 'warn' });
	try {
		const credential = await signingCredential(n8n, { accessToken: ACCESS_TOKEN });
		const triggerWorkflow = (name, webhookId, typeVersion) =>
			n8n.createWorkflow({
				name,
				nodes: [transakTrigger({ webhookId, credential, options: {}, typeVersion })],
			});
		const transakHook = crypto.randomUUID();
		const transakV1Hook = crypto.randomUUID();
		const webhookPath = `plain-${crypto.randomUUID()}`;
		const transak = await triggerWorkflow('bench: Transak Trigger', transakHook, 2);
		const transakV1 = await triggerWorkflow('bench: Transak Trigger v1', transakV1Hook, 1);
		const plain = await n8n.createWorkflow({
			name: 'bench: n8n Webhook node',
			nodes: [
				{
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: crypto.randomUUID(),
					parameters: {
						httpMethod: 'POST',
						path: webhookPath,
						responseMode: 'onReceived',
						options: {},
					},
				},
			],
		});
		await n8n.activate(transak.id);
		await n8n.activate(transakV1.id);
		await n8n.activate(plain.id);
		await n8n.waitForWebhook(`${transakHook}/webhook`);
		await n8n.waitForWebhook(`${transakV1Hook}/webhook`);
		await n8n.waitForWebhook(webhookPath);

		const urls = {
			transak: `${n8n.baseUrl}/webhook/${transakHook}/webhook`,
			transakV1: `${n8n.baseUrl}/webhook/${transakV1Hook}/webhook`,
			webhook: `${n8n.baseUrl}/webhook/${webhookPath}`,
		};
		const body = fx.orderWebhookBody('ORDER_COMPLETED', fx.sampleOrder(), ACCESS_TOKEN);
		console.log(
			`n8n ${VERSION}; body ${JSON.stringify(body).length} bytes; concurrency ${CONCURRENCY}; ${REQUESTS} requests per round, ${ROUNDS} rounds each, interleaved`,
		);

		// Warm both paths, then alternate rounds so that drift on a shared machine hits both alike.
		await runLoad({
			url: urls.transak,
			bodies: genuineBodies(200, 'warm'),
			concurrency: CONCURRENCY,
		});
		await runLoad({ url: urls.webhook, bodies: Array(200).fill(body), concurrency: CONCURRENCY });
		const results = { transak: [], transakV1: [], webhook: [] };
		for (let round = 0; round < ROUNDS; round++) {
			for (const kind of ['webhook', 'transak', 'transakV1']) {
				// Distinct deliveries for the Transak Trigger, so none is skipped as a repeat.
				const bodies =
					kind === 'webhook'
						? Array(REQUESTS).fill(body)
						: genuineBodies(REQUESTS, `${kind}${round}`);
				const run = await runLoad({ url: urls[kind], bodies, concurrency: CONCURRENCY });
				const ok = run.statuses.filter((s) => s === 200).length;
				if (ok !== REQUESTS)
					throw new Error(
						`${kind}: ${REQUESTS - ok} requests failed: ${JSON.stringify(countBy(run.statuses))}`,
					);
				results[kind].push(run);
			}
		}
		const summary = (runs) => ({
			throughput: runs.reduce((sum, r) => sum + r.throughput, 0) / runs.length,
			p50: percentile(
				runs.flatMap((r) => r.latenciesMs),
				50,
			),
			p99: percentile(
				runs.flatMap((r) => r.latenciesMs),
				99,
			),
		});
		const t = summary(results.transak);
		const t1 = summary(results.transakV1);
		const w = summary(results.webhook);
		const line = (label, r) =>
			`${label} ${r.throughput.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`;
		console.log(line('n8n Webhook node (v2):      ', w));
		console.log(line('Transak Trigger (v2):       ', t));
		console.log(line('Transak Trigger (v1):       ', t1));
		console.log(
			`throughput ratio Transak v2/Webhook (target >= 0.95): ${(t.throughput / w.throughput).toFixed(3)}; p99 ratio ${(t.p99 / w.p99).toFixed(3)}`,
		);
		console.log(
			`throughput ratio Transak v1/Webhook: ${(t1.throughput / w.throughput).toFixed(3)}; p99 ratio ${(t1.p99 / w.p99).toFixed(3)}`,
		);

		// Exactly-once under load: a fresh workflow so that its executions are only these.
		const loadHook = crypto.randomUUID();
		const load = await triggerWorkflow('bench: 2,000 genuine + forged', loadHook, 2);
		await n8n.activate(load.id);
		await n8n.waitForWebhook(`${loadHook}/webhook`);
		const genuine = genuineBodies(GENUINE, 'load');
		const bodies = [];
		genuine.forEach((b, i) => {
			bodies.push(b);
			if (i % FORGED_EVERY === 0)
				bodies.push({
					data: fx.forge(fx.orderClaims('ORDER_COMPLETED', fx.sampleOrder({ id: `forged-${i}` }))),
				});
		});
		const forgedCount = bodies.length - GENUINE;
		const run = await runLoad({
			url: `${n8n.baseUrl}/webhook/${loadHook}/webhook`,
			bodies,
			concurrency: CONCURRENCY,
		});
		const statuses = countBy(run.statuses);
		const executions = await n8n.waitForExecutions(load.id, GENUINE, 180_000);
		await new Promise((r) => setTimeout(r, 2000));
		const final = await n8n.executions(load.id);
		const ids = triggerOrderIds(final);
		const unique = new Set(ids);
		const forgedRan = ids.filter((id) => String(id).startsWith('forged-')).length;
		const missing = genuine.filter((_, i) => !unique.has(`load-${i}`)).length;
		console.log(
			`load: ${GENUINE} genuine + ${forgedCount} forged at concurrency ${CONCURRENCY} in ${run.seconds.toFixed(1)} s; answers ${JSON.stringify(statuses)}`,
		);
		console.log(
			`load: ${final.length} executions (expected ${GENUINE}), ${forgedRan} from forged, ${final.length - unique.size} duplicated, ${missing} lost`,
		);
		const exact =
			final.length === GENUINE && forgedRan === 0 && unique.size === GENUINE && missing === 0;
		console.log(exact ? 'load: exactly once: OK' : 'load: exactly once: FAILED');
		if (!exact || executions.length < GENUINE) process.exitCode = 1;
	} finally {
		await n8n.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
