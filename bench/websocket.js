'use strict';
/**
 * The Transak WebSocket Trigger (compiled, from dist/) with real pusher-js, against the
 * Pusher-protocol test server, events published with the official `pusher` SDK over loopback.
 * Run after `npm run build`:  node bench/websocket.js
 *
 * The server and the publisher run in a child process (as Pusher and Transak are elsewhere); the
 * trigger runs here. Payloads are the seed's complete order, signed as JWTs on the all-orders
 * channel, so every event pays for verification. Prints:
 *   1. publish -> emit latency p50/p99 at 1,000 events/s      (target p50 <= 5 ms, p99 <= 20 ms)
 *   2. the highest rate with zero loss (rates doubled until loss or until the publisher saturates)
 *   3. heap growth over 1,000 activate/deactivate cycles       (target <= 1 MB per 1,000 cycles)
 *   4. time from an abrupt drop to resubscribed                (target <= 2 s)
 *   5. 1, 5 and 20 triggers on one API key: connections, CPU per event and heap per trigger, with
 *      one shared connection and with one connection each, as ratios measured in this run
 * Env: BENCH_SECONDS (latency run, default 5), BENCH_CYCLES (default 1000), BENCH_DROPS (default 10),
 * BENCH_PARTS (default "latency,heap,drop,sharing"),
 * BENCH_SHARING_EVENTS (default 500).
 * Figures only: nothing here fails on timing.
 */
const { fork, spawnSync } = require('child_process');
const http = require('http');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.join(__dirname, '..');
const now = () => performance.timeOrigin + performance.now();

// ------------------------------------------------------------------------------------------------
// Child: the Pusher server and the publisher.

async function runServerProcess() {
	const { publisherFor, startPusherServer } = require('../tools/transak/pusher-server');
	const { sampleOrder, sign, orderClaims } = require('../tools/transak/fixtures');
	const server = await startPusherServer({
		port: 0,
		appId: 'bench',
		key: 'bench-key',
		secret: 'bench-secret',
	});
	const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
	const sdk = publisherFor(server, { agent });
	const base = sampleOrder();
	let dropAt = 0;
	server.on('subscribe', (event) => {
		if (dropAt > 0) {
			process.send({ type: 'resubscribed', ms: now() - dropAt, socketId: event.socketId });
			dropAt = 0;
		}
	});

	/** Publishes `count` signed orders at `rate` per second; batches when several are due at once. */
	async function publish({ channel, key, rate, count, tag }) {
		const tokens = [];
		for (let i = 0; i < count; i += 1) {
			const order = { ...base, id: `${tag}-${i}`, status: 'COMPLETED' };
			tokens.push(sign(orderClaims('ORDER_COMPLETED', order), key));
		}
		const sentAt = new Float64Array(count);
		const pending = new Set();
		const failed = [];
		let firstError;
		const started = now();
		let next = 0;
		while (next < count) {
			const due = Math.min(count, Math.floor(((now() - started) / 1000) * rate) + 1);
			while (next < due) {
				const size = Math.min(10, due - next);
				const first = next;
				next += size;
				const at = now();
				for (let i = first; i < first + size; i += 1) sentAt[i] = at;
				const request =
					size === 1
						? sdk.trigger(channel, 'ORDER_COMPLETED', tokens[first])
						: sdk.triggerBatch(
								Array.from({ length: size }, (_, k) => ({
									channel,
									name: 'ORDER_COMPLETED',
									data: tokens[first + k],
								})),
							);
				const tracked = request.catch((error) => {
					firstError ??= `${error.message}${error.status ? ` (HTTP ${error.status})` : ''}${error.error ? `: ${error.error.message ?? error.error}` : ''}`;
					for (let i = first; i < first + size; i += 1) failed.push(i);
				});
				pending.add(tracked);
				void tracked.finally(() => pending.delete(tracked));
			}
			if (pending.size >= 256) await Promise.race(pending);
			// Sleep until the next event is due: a busy loop would steal the CPU the trigger needs.
			// Above 2,000/s, ticks of 5 ms let most requests carry a batch of 10 (as a busy publisher would).
			const tick = rate > 2000 ? 5 : 1;
			const wait = Math.max(
				started + (next / rate) * 1000 - now(),
				next < count && rate > 2000 ? tick : 0,
			);
			await new Promise((resolve) =>
				wait >= 1 ? setTimeout(resolve, Math.floor(wait)) : setImmediate(resolve),
			);
		}
		await Promise.all(pending);
		const seconds = (now() - started) / 1000;
		return { sentAt: Array.from(sentAt), achievedRate: count / seconds, failed, firstError };
	}

	process.on('message', async (message) => {
		switch (message.type) {
			case 'publish':
				process.send({ type: 'published', id: message.id, ...(await publish(message)) });
				break;
			case 'drop':
				dropAt = now();
				process.send({ type: 'dropped', id: message.id, count: server.terminateAll() });
				break;
			case 'connections':
				process.send({ type: 'connections', id: message.id, count: server.connections().length });
				break;
			case 'exit':
				await server.close();
				agent.destroy();
				process.exit(0);
				break;
			default:
				break;
		}
	});
	process.send({ type: 'ready', port: server.port, appId: server.appId, key: server.key });
}

// ------------------------------------------------------------------------------------------------
// Parent: the trigger.

function percentile(sorted, p) {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function verdict(ok) {
	return ok ? 'within target' : 'MISSES target';
}

async function main() {
	const distNode = path.join(ROOT, 'dist', 'nodes', 'Transak', 'TransakWebSocketTrigger.node.js');
	let TransakWebSocketTrigger;
	try {
		({ TransakWebSocketTrigger } = require(distNode));
	} catch {
		console.error('dist/ has no compiled trigger: run `npm run build` first.');
		process.exit(1);
	}
	const PusherJs = require('pusher-js');

	const child = fork(__filename, ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let requestId = 0;
	const waiting = new Map();
	const listeners = new Set();
	child.on('message', (message) => {
		for (const listener of listeners) listener(message);
		if (message.id !== undefined && waiting.has(message.id)) {
			waiting.get(message.id)(message);
			waiting.delete(message.id);
		}
	});
	const ask = (message) =>
		new Promise((resolve) => {
			const id = ++requestId;
			waiting.set(id, resolve);
			child.send({ ...message, id });
		});
	const nextMessage = (type, timeoutMs = 10000) =>
		new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				listeners.delete(listener);
				reject(new Error(`no ${type} within ${timeoutMs} ms`));
			}, timeoutMs);
			const listener = (message) => {
				if (message.type !== type) return;
				clearTimeout(timer);
				listeners.delete(listener);
				resolve(message);
			};
			listeners.add(listener);
		});
	const server = await nextMessage('ready');

	const ACCESS_TOKEN = 'bench-access-token-0123456789abcdef';
	const API_KEY = 'bench-partner-key';

	/**
	 * Activates one trigger; resolves once subscribed (with `waitSubscribed`: a trigger that joins a
	 * connection already subscribed logs no subscription). `onEmit(json, at)` sees every item.
	 */
	async function activate(onEmit, logs = [], extraOptions = {}, waitSubscribed = true) {
		let subscribed;
		const ready = new Promise((resolve) => {
			subscribed = resolve;
		});
		const params = {
			channel: 'allOrders',
			events: [],
			options: {
				appKey: server.key,
				cluster: 'bench',
				wsHost: '127.0.0.1',
				wsPort: server.port,
				forceTLS: false,
				...extraOptions,
			},
		};
		const log = (level) => (message) => {
			logs.push({ level, message, at: now() });
			if (/: (Re-)?[Ss]ubscribed/.test(message)) subscribed();
		};
		const context = {
			emit: (data) => onEmit(data[0][0].json, now()),
			emitError: (error) => logs.push({ level: 'emitError', message: error.message, at: now() }),
			getNodeParameter: (name, fallback) => (name in params ? params[name] : fallback),
			getCredentials: async () => ({
				environment: 'custom',
				baseUrl: '',
				apiKey: API_KEY,
				accessToken: ACCESS_TOKEN,
			}),
			getMode: () => 'trigger',
			getActivationMode: () => 'activate',
			getNode: () => ({
				id: 'bench',
				name: 'Bench',
				type: 'transakWebSocketTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: params,
			}),
			getWorkflow: () => ({ id: 'bench' }),
			getWorkflowStaticData: () => ({}),
			logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
			helpers: {},
		};
		const response = await new TransakWebSocketTrigger().trigger.call(context);
		if (waitSubscribed) await ready;
		return response;
	}

	const results = {};
	const parts = new Set(String(process.env.BENCH_PARTS ?? 'latency,heap,drop,sharing').split(','));

	// 1 + 2. Latency at 1,000/s, then rates doubled until loss.
	if (parts.has('latency')) {
		const received = new Map();
		let tag = '';
		const response = await activate((json, at) => {
			if (String(json.orderId).startsWith(`${tag}-`)) received.set(json.orderId, at);
		});
		async function run(rate, count, label) {
			received.clear();
			tag = label;
			const cpu = process.cpuUsage();
			const published = await ask({
				type: 'publish',
				channel: API_KEY,
				key: ACCESS_TOKEN,
				rate,
				count,
				tag,
			});
			const deadline = now() + 3000;
			while (received.size < count && now() < deadline) await new Promise((r) => setTimeout(r, 10));
			const latencies = [];
			const failedSet = new Set(published.failed);
			let lost = 0;
			for (let i = 0; i < count; i += 1) {
				const at = received.get(`${label}-${i}`);
				if (at !== undefined) latencies.push(at - published.sentAt[i]);
				else if (!failedSet.has(i)) lost += 1;
			}
			latencies.sort((a, b) => a - b);
			const used = process.cpuUsage(cpu);
			const cpuUsPerEvent = (used.user + used.system) / Math.max(1, received.size);
			// `lost`: accepted by the server but never emitted. `failures`: the publisher's own HTTP errors.
			return {
				cpuUsPerEvent,
				rate,
				count,
				got: received.size,
				lost,
				achieved: published.achievedRate,
				failures: failedSet.size,
				firstError: published.firstError,
				latencies,
			};
		}
		await run(500, 500, 'warmup');
		const seconds = Number(process.env.BENCH_SECONDS ?? 5);
		const r = await run(1000, 1000 * seconds, 'latency');
		results.latency = {
			cpuUsPerEvent: r.cpuUsPerEvent,
			p50: percentile(r.latencies, 50),
			p99: percentile(r.latencies, 99),
			max: r.latencies.at(-1),
			lost: r.lost,
			achieved: r.achieved,
		};

		let best;
		let unqueued;
		const sweep = [];
		for (let rate = 1000; rate <= 64000; rate *= 2) {
			const s = await run(rate, Math.max(2000, rate * 2), `rate${rate}`);
			sweep.push(s);
			const saturated = s.achieved < rate * 0.9 || s.failures > 0;
			if (s.lost === 0 && !saturated) best = s;
			if (s.lost === 0 && !saturated && percentile(s.latencies, 99) <= 20) unqueued = s;
			if (s.lost > 0 || saturated) break;
		}
		results.sweep = sweep;
		results.best = best;
		results.unqueued = unqueued;
		await response.closeFunction();
	}

	// 3. Heap over activate/deactivate cycles.
	if (parts.has('heap')) {
		const cycles = Number(process.env.BENCH_CYCLES ?? 1000);
		const cycle = async () => {
			const response = await activate(() => undefined);
			await response.closeFunction();
		};
		for (let i = 0; i < 100; i += 1) await cycle();
		const settle = async () => {
			await new Promise((r) => setTimeout(r, 300));
			for (let i = 0; i < 6; i += 1) {
				global.gc();
				await new Promise((r) => setImmediate(r));
			}
			return process.memoryUsage().heapUsed;
		};
		const before = await settle();
		const started = now();
		for (let i = 0; i < cycles; i += 1) await cycle();
		const elapsed = now() - started;
		const after = await settle();
		const openSockets = (await ask({ type: 'connections' })).count;
		results.heap = {
			cycles,
			growthMB: (after - before) / 1024 / 1024,
			perThousandMB: ((after - before) / 1024 / 1024) * (1000 / cycles),
			msPerCycle: elapsed / cycles,
			instances: PusherJs.instances.length,
			openSockets,
		};
	}

	// 4. Abrupt drop -> resubscribed: a fresh trigger per drop (the fast path), then a second drop
	//    within 10 s on the same trigger (pusher-js's own 1 s delay applies).
	if (parts.has('drop')) {
		const drops = Number(process.env.BENCH_DROPS ?? 10);
		const first = [];
		const second = [];
		for (let i = 0; i < drops; i += 1) {
			const response = await activate(() => undefined);
			let resub = nextMessage('resubscribed');
			await ask({ type: 'drop' });
			first.push((await resub).ms);
			if (i < 3) {
				resub = nextMessage('resubscribed');
				await ask({ type: 'drop' });
				second.push((await resub).ms);
			}
			await response.closeFunction();
		}
		first.sort((a, b) => a - b);
		second.sort((a, b) => a - b);
		results.drop = {
			p50: percentile(first, 50),
			max: first.at(-1),
			secondP50: percentile(second, 50),
		};
	}

	// 5. Several triggers on one API key: one shared connection, or one each ("separate": each
	// trigger gets its own connection options, as every trigger had before connections were shared).
	if (parts.has('sharing')) {
		const EVENTS = Number(process.env.BENCH_SHARING_EVENTS ?? 500);
		const rows = [];
		const settle = async () => {
			for (let i = 0; i < 8; i += 1) {
				global.gc();
				await new Promise((r) => setTimeout(r, 25));
			}
			return process.memoryUsage().heapUsed;
		};
		// The first configuration runs twice, the first time unrecorded (JIT, caches).
		for (const [run, n] of [1, 1, 5, 20].entries()) {
			for (const mode of n === 1 ? ['shared'] : ['separate', 'shared']) {
				const counts = new Array(n).fill(0);
				let tag = `warm-${n}-${mode}`;
				const heapBefore = await settle();
				const responses = [];
				for (let i = 0; i < n; i += 1) {
					const extra = mode === 'separate' ? { activityTimeout: 120 + i } : {};
					const onEmit = (json) => {
						if (String(json.orderId).startsWith(`${tag}-`)) counts[i] += 1;
					};
					responses.push(await activate(onEmit, [], extra, mode === 'separate' || i === 0));
				}
				// Every trigger has joined once each has seen an event.
				for (let attempt = 0; counts.some((c) => c === 0); attempt += 1) {
					if (attempt > 100) throw new Error(`sharing ${n} ${mode}: not every trigger listens`);
					await ask({
						type: 'publish',
						channel: API_KEY,
						key: ACCESS_TOKEN,
						rate: 100,
						count: 1,
						tag: `${tag}-${attempt}`,
					});
					await new Promise((r) => setTimeout(r, 50));
				}
				const { count: connections } = await ask({ type: 'connections' });
				const heapActive = await settle();
				counts.fill(0);
				tag = `run-${n}-${mode}`;
				const cpu = process.cpuUsage();
				await ask({
					type: 'publish',
					channel: API_KEY,
					key: ACCESS_TOKEN,
					rate: 500,
					count: EVENTS,
					tag,
				});
				const deadline = now() + 10_000;
				while (counts.some((c) => c < EVENTS) && now() < deadline)
					await new Promise((r) => setTimeout(r, 10));
				const used = process.cpuUsage(cpu);
				const cpuUs = (used.user + used.system) / EVENTS;
				for (const response of responses) await response.closeFunction();
				for (let i = 0; (await ask({ type: 'connections' })).count > 0; i += 1) {
					if (i > 200) throw new Error(`sharing ${n} ${mode}: connections left open`);
					await new Promise((r) => setTimeout(r, 25));
				}
				if (run === 0) continue;
				rows.push({
					n,
					mode,
					connections,
					cpuUsPerEvent: cpuUs,
					cpuUsPerEventPerTrigger: cpuUs / n,
					heapKBPerTrigger: (heapActive - heapBefore) / n / 1024,
					lost: n * EVENTS - counts.reduce((a, b) => a + b, 0),
				});
			}
		}
		results.sharing = { events: EVENTS, rows };
	}

	child.send({ type: 'exit' });

	const f = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
	const { latency, best, unqueued, sweep, heap, drop } = results;
	console.log(
		'Transak WebSocket Trigger bench (pusher-js -> Pusher-protocol server on 127.0.0.1, signed full orders)',
	);
	if (latency) {
		console.log(
			`1. publish -> emit at 1,000 events/s: p50 ${f(latency.p50)} ms (${verdict(latency.p50 <= 5)}: <= 5), p99 ${f(latency.p99)} ms (${verdict(latency.p99 <= 20)}: <= 20), max ${f(latency.max)} ms, lost ${latency.lost}, publisher achieved ${f(latency.achieved, 0)}/s; trigger process CPU ${f(latency.cpuUsPerEvent, 0)} µs per event`,
		);
		for (const s of sweep) {
			console.log(
				`   rate ${s.rate}/s: published ${s.count} at ${f(s.achieved, 0)}/s, received ${s.got}, lost ${s.lost}${s.failures ? `, publish errors ${s.failures} (${s.firstError})` : ''}, p50 ${f(percentile(s.latencies, 50))} ms, p99 ${f(percentile(s.latencies, 99))} ms`,
			);
		}
		const last = sweep.at(-1);
		const limit =
			last.lost > 0
				? `the trigger lost events at ${last.rate}/s`
				: `the publisher could not sustain ${last.rate}/s (${f(last.achieved, 0)}/s, ${last.failures} publish errors); the trigger lost nothing it was sent`;
		console.log(
			`2. highest rate with zero loss: ${best ? `${best.rate}/s (${f(best.achieved, 0)}/s achieved)` : 'none'}; ${limit}. Highest rate with p99 <= 20 ms: ${unqueued ? `${unqueued.rate}/s` : 'none'}`,
		);
	}
	if (heap) {
		console.log(
			`3. heap growth over ${heap.cycles} activate/deactivate cycles: ${f(heap.growthMB, 3)} MB, ${f(heap.perThousandMB, 3)} MB per 1,000 (${verdict(heap.perThousandMB <= 1)}: <= 1 MB); ${f(heap.msPerCycle, 1)} ms per cycle; Pusher.instances left ${heap.instances}; sockets left open ${heap.openSockets}`,
		);
	}
	if (drop) {
		console.log(
			`4. abrupt drop -> resubscribed: p50 ${f(drop.p50, 1)} ms, max ${f(drop.max, 1)} ms (${verdict(drop.max <= 2000)}: <= 2 s); a second drop within 10 s: p50 ${f(drop.secondP50, 0)} ms (pusher-js's own delay)`,
		);
	}
	if (results.sharing) {
		const { events, rows } = results.sharing;
		const row = (n, mode) => rows.find((r) => r.n === n && r.mode === mode);
		console.log(
			`5. triggers on one API key, ${events} signed events at 500/s (all triggers on the all-orders channel):`,
		);
		for (const r of rows) {
			console.log(
				`   ${String(r.n).padStart(2)} ${r.mode.padEnd(8)}: ${r.connections} connection(s), CPU ${f(r.cpuUsPerEvent, 0)} µs per event (${f(r.cpuUsPerEventPerTrigger, 0)} per event per trigger), heap ${f(r.heapKBPerTrigger, 0)} KB per trigger (within about ±100 KB of GC noise), lost ${r.lost}`,
			);
		}
		const one = row(1, 'shared');
		for (const n of [5, 20]) {
			const shared = row(n, 'shared');
			const separate = row(n, 'separate');
			console.log(
				`   ${n} triggers, shared / separate: connections ${shared.connections}/${separate.connections}, CPU per event x${f(shared.cpuUsPerEvent / separate.cpuUsPerEvent)}; shared, per event per trigger vs 1 trigger: x${f(shared.cpuUsPerEventPerTrigger / one.cpuUsPerEventPerTrigger)}`,
			);
		}
	}
	console.log(
		`   load average ${require('os')
			.loadavg()
			.map((l) => l.toFixed(1))
			.join(' ')} on ${require('os').cpus().length} CPUs`,
	);
}

if (process.argv.includes('--server')) {
	runServerProcess().catch((error) => {
		console.error(error);
		process.exit(1);
	});
} else if (typeof global.gc !== 'function') {
	// Heap figures need a real collection between measurements.
	const result = spawnSync(
		process.execPath,
		['--expose-gc', __filename, ...process.argv.slice(2)],
		{ stdio: 'inherit' },
	);
	process.exit(result.status ?? 1);
} else {
	main().then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
