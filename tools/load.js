'use strict';
/** A small HTTP load generator for benches: fixed concurrency, keep-alive, per-request latency. */
const http = require('http');

/**
 * Sends every body in `bodies` as a POST to `url` with `concurrency` requests in flight.
 * `url` may be a function of the request index (to spread load over several servers).
 * `headers` are added to every request. Returns `{ seconds, statuses, latenciesMs, throughput }`.
 */
async function runLoad({ url, bodies, concurrency = 50, headers = {} }) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
	const latenciesMs = new Array(bodies.length);
	const statuses = new Array(bodies.length);
	let next = 0;
	const started = process.hrtime.bigint();

	function send(index) {
		const target = new URL(typeof url === 'function' ? url(index) : url);
		const payload = Buffer.from(
			typeof bodies[index] === 'string' ? bodies[index] : JSON.stringify(bodies[index]),
		);
		const begin = process.hrtime.bigint();
		return new Promise((resolve) => {
			const req = http.request(
				{
					agent,
					host: target.hostname,
					port: target.port,
					path: target.pathname,
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						...headers,
						'content-length': payload.length,
					},
				},
				(res) => {
					res.resume();
					res.on('end', () => {
						statuses[index] = res.statusCode;
						latenciesMs[index] = Number(process.hrtime.bigint() - begin) / 1e6;
						resolve();
					});
				},
			);
			req.on('error', () => {
				statuses[index] = 0;
				latenciesMs[index] = Number(process.hrtime.bigint() - begin) / 1e6;
				resolve();
			});
			req.end(payload);
		});
	}

	async function worker() {
		while (next < bodies.length) await send(next++);
	}
	await Promise.all(Array.from({ length: Math.min(concurrency, bodies.length) }, worker));
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	agent.destroy();
	return { seconds, statuses, latenciesMs, throughput: bodies.length / seconds };
}

function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function countBy(values) {
	const counts = {};
	for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
	return counts;
}

module.exports = { runLoad, percentile, countBy };
