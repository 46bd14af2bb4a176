'use strict';
/**
 * An n8n installation in queue mode on this machine: PostgreSQL, Redis, one main (`n8n start`,
 * with production webhooks off as when webhook processors take them), N webhook processors
 * (`n8n webhook`) and M workers (`n8n worker`), all sharing the database, Redis and the
 * encryption key. Every n8n process has its own user folder with the packed package installed
 * into `<folder>/.n8n/nodes` the way users install community packages, as separate hosts would.
 * Also a single n8n process in regular mode on the same PostgreSQL, for comparisons.
 *
 *   const cluster = await startQueueCluster({ tarball, webhooks: 2, workers: 1 });
 *   cluster.main            // client for the public API (createClient of n8n-instance.js)
 *   cluster.webhooks[i]     // { baseUrl, http(), waitForWebhook(), pid, logs() }
 *   await cluster.stop();   // every process and server, also after a failure
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { ensureN8n } = require('./n8n-install');
const {
	createClient,
	createApiKey,
	freePort,
	installPackage,
	setupOwner,
	request,
	HOST,
} = require('./n8n-instance');
const { spawnManaged, stopAll, removeOnExit, log, sleep } = require('./queue-procs');
const { startPostgres, startRedis } = require('./queue-services');

const READY_TIMEOUT_MS = 300_000;

/** Environment every n8n process gets: quiet, local, and without what npm/jest put in ours. */
function baseEnv(nodeBin, extra) {
	const env = {
		...process.env,
		PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`,
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PROTOCOL: 'http',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_OUTPUT: 'console',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		// n8n's CLI does nothing under NODE_ENV=test (which jest sets); its Docker image uses production.
		NODE_ENV: 'production',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		...extra,
	};
	for (const key of Object.keys(env)) {
		if (/^(npm_(config|package|lifecycle)_|JEST_)/i.test(key)) delete env[key];
	}
	return env;
}

async function waitFor(what, check, child, timeoutMs = READY_TIMEOUT_MS) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitInfo !== null) {
			throw new Error(
				`${what} exited before it was ready (${JSON.stringify(child.exitInfo)}); log tail:\n${child.logs().slice(-5000)}`,
			);
		}
		try {
			if (await check()) return;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline)
			throw new Error(
				`${what} not ready after ${timeoutMs / 1000} s; log tail:\n${child.logs().slice(-5000)}`,
			);
		await sleep(300);
	}
}

function assertPackageLoaded(child, what) {
	const failure = child.logs().match(/Failed to load package "n8n-nodes-transak"[^\n]*/);
	if (failure) throw new Error(`${what} could not load the package: ${failure[0].slice(0, 1500)}`);
}

/**
 * Starts one n8n process of kind `start` (main or single), `webhook` or `worker` with the package
 * installed in its own user folder. Returns a handle with its role, pid, URLs and logs.
 */
async function startN8nProcess({
	role,
	command,
	args = [],
	runDir,
	nodeBin,
	n8nBin,
	tarball,
	env,
}) {
	const folder = path.join(runDir, role);
	fs.mkdirSync(folder, { recursive: true });
	const installMs = installPackage(folder, tarball, nodeBin);
	const port = await freePort();
	const brokerPort = await freePort();
	const childEnv = baseEnv(nodeBin, {
		N8N_USER_FOLDER: folder,
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_TRANSAK_QUEUE_ROLE: role,
		...env,
	});
	let healthUrl = `http://${HOST}:${port}/healthz/readiness`;
	if (command === 'worker') {
		const healthPort = await freePort();
		Object.assign(childEnv, {
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: HOST,
		});
		healthUrl = `http://${HOST}:${healthPort}/healthz/readiness`;
	}
	const started = Date.now();
	const child = spawnManaged({
		name: `n8n ${role}`,
		command: nodeBin,
		args: [n8nBin, command, ...args],
		cwd: folder,
		env: childEnv,
		logFile: path.join(runDir, `${role}.log`),
		stopTimeoutMs: 20_000,
	});
	const baseUrl = `http://${HOST}:${port}`;
	if (command === 'start') {
		// Ready = settings as JSON with data (migrations answer "n8n is starting up" first).
		await waitFor(
			`n8n ${role}`,
			async () => {
				const answer = await request('GET', `${baseUrl}/rest/settings`, { timeoutMs: 5000 });
				return answer.status === 200 && answer.json && typeof answer.json.data === 'object';
			},
			child,
		);
	} else {
		await waitFor(
			`n8n ${role}`,
			async () => (await request('GET', healthUrl, { timeoutMs: 5000 })).status === 200,
			child,
		);
	}
	assertPackageLoaded(child, `n8n ${role}`);
	const startMs = Date.now() - started;
	log(
		`n8n ${role} (${command}) ready in ${(startMs / 1000).toFixed(1)} s, pid ${child.pid}${command === 'worker' ? '' : `, ${baseUrl}`}; package installed in ${(installMs / 1000).toFixed(1)} s`,
	);
	return {
		role,
		command,
		pid: child.pid,
		port,
		baseUrl,
		healthUrl,
		folder,
		process: child,
		logs: () => child.logFileText(),
		timings: { installMs, startMs },
	};
}

/** A client for the main instance: owner, API key, the public API (n8n-instance.js's createClient). */
async function adminClient(version, proc) {
	const session = { cookie: '', apiKey: '' };
	const client = createClient({ version, baseUrl: proc.baseUrl, session, logs: proc.logs });
	session.cookie = await setupOwner(client);
	session.apiKey = await createApiKey(client, session.cookie);
	return Object.assign(client, {
		pid: proc.pid,
		logFile: proc.process.logFile,
		role: proc.role,
		timings: proc.timings,
		session,
	});
}

/** HTTP helpers bound to one webhook-serving process. */
function webhookTarget(version, proc) {
	const client = createClient({
		version,
		baseUrl: proc.baseUrl,
		session: { cookie: '', apiKey: '' },
		logs: proc.logs,
	});
	return {
		role: proc.role,
		pid: proc.pid,
		baseUrl: proc.baseUrl,
		logFile: proc.process.logFile,
		logs: proc.logs,
		http: client.http,
		waitForWebhook: client.waitForWebhook,
	};
}

/**
 * Starts PostgreSQL, Redis and n8n in queue mode. Options: version (2.41.1), tarball (required),
 * webhooks (2), workers (1), workerConcurrency (10), logLevel (info), single (also start a
 * regular-mode n8n on its own database of the same PostgreSQL, for benches).
 */
async function startQueueCluster({
	version = '2.41.1',
	tarball,
	webhooks = 2,
	workers = 1,
	workerConcurrency = 10,
	logLevel = 'info',
	extraEnv = {},
} = {}) {
	if (!tarball || !fs.existsSync(tarball))
		throw new Error(`startQueueCluster: tarball ${tarball} does not exist`);
	const started = Date.now();
	const { nodeBin, n8nBin } = await ensureN8n(version);
	const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-transak-queue-'));
	// An interrupted run removes it; a finished one removes it or keeps it (logs) on purpose.
	const forgetRunDir = removeOnExit(runDir);
	const timings = {};
	let postgres;
	let redis;
	try {
		const t0 = Date.now();
		[postgres, redis] = await Promise.all([
			startPostgres({ databases: ['n8n'], logDir: runDir }),
			startRedis({ baseDir: runDir }),
		]);
		timings.servicesMs = Date.now() - t0;
		// A custom database number and prefix show that the package follows n8n's settings.
		const queue = { db: 1, prefix: `transak-q-${crypto.randomBytes(3).toString('hex')}` };
		const shared = {
			EXECUTIONS_MODE: 'queue',
			N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('base64url'),
			N8N_LOG_LEVEL: logLevel,
			...postgres.n8nEnv('n8n'),
			...redis.n8nEnv(queue),
			...extraEnv,
		};
		const common = { runDir, nodeBin, n8nBin, tarball };

		const t1 = Date.now();
		// First alone: it runs the database migrations the other processes expect.
		const mainProc = await startN8nProcess({
			...common,
			role: 'main',
			command: 'start',
			env: { ...shared, N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' },
		});
		const main = await adminClient(version, mainProc);
		timings.mainMs = Date.now() - t1;

		const t2 = Date.now();
		const others = await Promise.all([
			...Array.from({ length: webhooks }, (_, i) =>
				startN8nProcess({ ...common, role: `webhook-${i + 1}`, command: 'webhook', env: shared }),
			),
			...Array.from({ length: workers }, (_, i) =>
				startN8nProcess({
					...common,
					role: `worker-${i + 1}`,
					command: 'worker',
					args: [`--concurrency=${workerConcurrency}`],
					env: shared,
				}),
			),
		]);
		timings.othersMs = Date.now() - t2;
		timings.totalMs = Date.now() - started;
		const webhookProcs = others.filter((p) => p.command === 'webhook');
		const workerProcs = others.filter((p) => p.command === 'worker');
		log(
			`queue cluster ready in ${(timings.totalMs / 1000).toFixed(1)} s (services ${(timings.servicesMs / 1000).toFixed(1)} s, main ${(timings.mainMs / 1000).toFixed(1)} s, ${webhooks} webhook + ${workers} worker ${(timings.othersMs / 1000).toFixed(1)} s)`,
		);

		const cluster = {
			version,
			runDir,
			timings,
			postgres,
			redis: { host: redis.host, port: redis.port, password: redis.password, ...queue },
			main,
			webhooks: webhookProcs.map((p) => webhookTarget(version, p)),
			workers: workerProcs.map((p) => ({
				role: p.role,
				pid: p.pid,
				logFile: p.process.logFile,
				logs: p.logs,
			})),
			processes: [mainProc, ...others],
			/** The PostgreSQL and Redis servers' process handles. */
			servers: [postgres.process, redis.process],
			/** What a test process needs to reach the cluster (see connectCluster). */
			connection() {
				return {
					version,
					main: {
						baseUrl: main.baseUrl,
						apiKey: main.session.apiKey,
						cookie: main.session.cookie,
						pid: main.pid,
						logFile: main.logFile,
					},
					webhooks: cluster.webhooks.map((w) => ({
						role: w.role,
						baseUrl: w.baseUrl,
						pid: w.pid,
						logFile: w.logFile,
					})),
					workers: cluster.workers.map((w) => ({ role: w.role, pid: w.pid, logFile: w.logFile })),
					redis: cluster.redis,
				};
			},
			async stop({ keep = false } = {}) {
				await stopCluster({ runDir, keep, services: [postgres, redis] });
				forgetRunDir();
			},
		};
		return cluster;
	} catch (error) {
		await stopCluster({ runDir, keep: true, services: [postgres, redis] });
		forgetRunDir();
		error.message += `\n(logs kept in ${runDir})`;
		throw error;
	}
}

/** A regular-mode n8n (one process, executions in-process) on `postgres` database `db`. */
async function startSingleN8n({
	version = '2.41.1',
	tarball,
	postgres,
	db,
	runDir,
	logLevel = 'info',
}) {
	const { nodeBin, n8nBin } = await ensureN8n(version);
	const proc = await startN8nProcess({
		role: 'single',
		command: 'start',
		runDir,
		nodeBin,
		n8nBin,
		tarball,
		env: {
			N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('base64url'),
			N8N_LOG_LEVEL: logLevel,
			...postgres.n8nEnv(db),
		},
	});
	const client = await adminClient(version, proc);
	return {
		client,
		target: webhookTarget(version, proc),
		process: proc,
		stop: () => proc.process.stop(),
	};
}

/**
 * Stops n8n first (it talks to PostgreSQL and Redis while stopping), then the servers (which
 * remove their data folders), then anything else queue-procs still runs. `keep` keeps the logs.
 */
async function stopCluster({ runDir, keep = false, services = [] }) {
	const started = Date.now();
	const { runningProcesses } = require('./queue-procs');
	const n8n = runningProcesses().filter((p) => p.name.startsWith('n8n '));
	await Promise.all(n8n.map((p) => p.stop()));
	await Promise.all(services.filter(Boolean).map((service) => service.stop()));
	await stopAll();
	if (!keep && runDir) fs.rmSync(runDir, { recursive: true, force: true });
	log(
		`stopped every process in ${((Date.now() - started) / 1000).toFixed(1)} s${keep ? ` (logs kept in ${runDir})` : ''}`,
	);
}

/**
 * Clients for a cluster started by another process (scripts/queue.js hands jest its connection in
 * env N8N_QUEUE_CONNECTION).
 */
function connectCluster(connection = JSON.parse(process.env.N8N_QUEUE_CONNECTION || 'null')) {
	if (!connection)
		throw new Error('connectCluster: no connection (run through `npm run test:queue`)');
	const readLog = (file) => () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
	const session = { cookie: connection.main.cookie, apiKey: connection.main.apiKey };
	const main = Object.assign(
		createClient({
			version: connection.version,
			baseUrl: connection.main.baseUrl,
			session,
			logs: readLog(connection.main.logFile),
		}),
		{
			pid: connection.main.pid,
			role: 'main',
		},
	);
	const webhooks = connection.webhooks.map((w) => {
		const client = createClient({
			version: connection.version,
			baseUrl: w.baseUrl,
			session: { cookie: '', apiKey: '' },
			logs: readLog(w.logFile),
		});
		return {
			role: w.role,
			pid: w.pid,
			baseUrl: w.baseUrl,
			logs: client.logs,
			http: client.http,
			waitForWebhook: client.waitForWebhook,
		};
	});
	const workers = connection.workers.map((w) => ({
		role: w.role,
		pid: w.pid,
		logs: readLog(w.logFile),
	}));
	return { version: connection.version, main, webhooks, workers, redis: connection.redis };
}

module.exports = { startQueueCluster, startSingleN8n, connectCluster, stopCluster };
