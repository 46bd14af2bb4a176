'use strict';
/**
 * The one n8n launcher: real n8n processes (from the cache of install.js) with the packed
 * n8n-nodes-transak installed the way users install community packages, supervised by
 * ../processes.js. Used by the dev sandbox, the e2e and queue suites and the benches.
 *
 *   const n8n = await startN8n({ version, tarball });          // one process, SQLite by default
 *   const cluster = await startQueueCluster({ tarball });      // PostgreSQL, Redis, main, webhook
 *                                                              // processors and workers
 *   n8n.connection() / cluster.connection()                    // for client.js's connect()
 */
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const { logger, since } = require('../log');
const { HOST, freePort, removeOnExit, spawnManaged, stopAll } = require('../processes');
const { startPostgres, startRedis } = require('../services');
const { createClient, request } = require('./client');
const { ensureN8n } = require('./install');

const log = logger('n8n');
const READY_TIMEOUT_MS = 300_000;
const OWNER = {
	email: 'e2e@example.com',
	firstName: 'E2E',
	lastName: 'Runner',
	password: 'E2e-Password-123',
};
/** What the package needs at run time; the install into n8n must bring each of them. */
const RUNTIME_DEPENDENCIES = ['pusher-js', 'jsonwebtoken', 'ioredis'];

/** Environment of a child that runs npm or n8n: without what npm and jest put in ours. */
function cleanEnv(nodeBin, extra = {}) {
	const env = {
		...process.env,
		PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`,
		...extra,
	};
	for (const key of Object.keys(env))
		if (/^(npm_(config|package|lifecycle)_|JEST_)/i.test(key)) delete env[key];
	return env;
}

/** Environment every n8n process gets: quiet and local. */
function n8nEnv(nodeBin, extra) {
	return cleanEnv(nodeBin, {
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
		// n8n's CLI does nothing under NODE_ENV=test (which jest sets); n8n's Docker image runs
		// with production, which also keeps stack traces out of HTTP error answers.
		NODE_ENV: 'production',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		...extra,
	});
}

/** `npm install <tarball>` into `<userFolder>/.n8n/nodes`, as n8n's community package installer does. */
function installPackage(userFolder, tarball, nodeBin) {
	const started = Date.now();
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
	);
	// --legacy-peer-deps: the n8n-workflow peer is n8n's own; installing it would pull native deps.
	const result = spawnSync(
		'npm',
		[
			'install',
			tarball,
			'--legacy-peer-deps',
			'--no-audit',
			'--no-fund',
			'--loglevel=error',
			'--no-package-lock',
		],
		{ cwd: nodesDir, env: cleanEnv(nodeBin), encoding: 'utf8' },
	);
	if (result.status !== 0) {
		throw new Error(
			`npm install ${tarball} in ${nodesDir} failed:\n${result.stdout}\n${result.stderr}`,
		);
	}
	for (const name of ['n8n-nodes-transak', ...RUNTIME_DEPENDENCIES]) {
		if (!fs.existsSync(path.join(nodesDir, 'node_modules', name, 'package.json')))
			throw new Error(`npm install of the package did not install ${name} into ${nodesDir}`);
	}
	return Date.now() - started;
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
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
}

/**
 * Starts one n8n process, `command` start (main or single), webhook or worker, in user folder
 * `folder` with the tarball installed there, and waits until it is ready: `GET /rest/settings`
 * answers JSON with data (while migrations run every route answers "n8n is starting up"; 1.x then
 * answers 404 for a few seconds before the REST routes exist), or the health check says so for
 * webhook processors and workers. Returns a client for it with `process` and `timings`.
 */
async function startN8nProcess({
	version,
	role,
	command = 'start',
	args = [],
	folder,
	logFile = path.join(folder, `${role}.log`),
	tarball,
	port,
	env = {},
}) {
	const { nodeBin, n8nBin } = await ensureN8n(version);
	fs.mkdirSync(folder, { recursive: true });
	const installMs = installPackage(folder, tarball, nodeBin);
	const httpPort = port ?? (await freePort());
	const baseUrl = `http://${HOST}:${httpPort}`;
	const childEnv = n8nEnv(nodeBin, {
		N8N_USER_FOLDER: folder,
		N8N_PORT: String(httpPort),
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		// The base of webhook URLs: n8n 2.x reads N8N_WEBHOOK_URL (and reports WEBHOOK_URL as
		// deprecated); 1.123 reads only WEBHOOK_URL.
		[Number(version.split('.')[0]) >= 2 ? 'N8N_WEBHOOK_URL' : 'WEBHOOK_URL']: `${baseUrl}/`,
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		...env,
	});
	let ready = async () => {
		const answer = await request('GET', `${baseUrl}/rest/settings`, { timeoutMs: 5000 });
		return answer.status === 200 && typeof answer.json?.data === 'object';
	};
	if (command !== 'start') {
		const healthPort = command === 'worker' ? await freePort() : httpPort;
		if (command === 'worker')
			Object.assign(childEnv, {
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: HOST,
			});
		const health = `http://${HOST}:${healthPort}/healthz/readiness`;
		ready = async () => (await request('GET', health, { timeoutMs: 5000 })).status === 200;
	}
	const started = Date.now();
	const child = spawnManaged({
		name: `n8n ${role}`,
		command: nodeBin,
		args: [n8nBin, command, ...args],
		cwd: folder,
		env: childEnv,
		logFile,
		stopTimeoutMs: 20_000,
	});
	await waitFor(`n8n ${version} ${role}`, ready, child);
	// n8n skips a community package that fails to load and starts anyway: fail loudly here.
	const failure = child.logs().match(/Failed to load package "n8n-nodes-transak"[^\n]*/);
	if (failure) {
		await child.stop();
		throw new Error(`n8n ${role} could not load the package: ${failure[0].slice(0, 1500)}`);
	}
	const timings = { installMs, startMs: Date.now() - started };
	log(
		`n8n ${version} ${role} (${command}) ready in ${(timings.startMs / 1000).toFixed(1)} s, pid ${child.pid}${command === 'worker' ? '' : `, ${baseUrl}`}; package installed in ${(installMs / 1000).toFixed(1)} s`,
	);
	const client = createClient({
		version,
		baseUrl,
		logs: () => child.logFileText(),
		role,
		pid: child.pid,
	});
	return Object.assign(client, {
		command,
		port: httpPort,
		folder,
		logFile,
		process: child,
		timings,
	});
}

/** Creates the owner and an API key with every scope: the client can then use the public API. */
async function signIn(client) {
	const owner = await client.http('POST', '/rest/owner/setup', { body: OWNER });
	if (owner.status !== 200)
		throw new Error(`owner setup -> ${owner.status}: ${owner.text.slice(0, 1000)}`);
	const setCookie = [owner.headers['set-cookie'] ?? []].flat();
	client.session.cookie =
		setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth=')) ?? '';
	if (!client.session.cookie)
		throw new Error(`owner setup gave no n8n-auth cookie (${setCookie.join(' | ')})`);
	const scopes = await client.rest('GET', '/api-keys/scopes');
	const created = await client.rest('POST', '/api-keys', {
		label: 'n8n-nodes-transak tooling',
		scopes: scopes.data,
		expiresAt: null,
	});
	client.session.apiKey = created?.data?.rawApiKey ?? '';
	if (!client.session.apiKey) throw new Error('POST /rest/api-keys gave no API key');
	return client;
}

/**
 * Starts one n8n process (regular mode; SQLite unless `env` says otherwise) with the tarball
 * installed, its owner and an API key. Options: version, tarball, port (default: a free one), env,
 * userFolder (default: a fresh temp folder, removed by `stop()`), logLevel (default debug, so
 * leak checks see most). Returns its client with `stop({ keepFolder })` and `connection()`.
 * @param {{ version: string, tarball: string, port?: number, env?: Record<string, string>,
 *   userFolder?: string, logLevel?: string }} options
 */
async function startN8n({ version, tarball, port, env = {}, userFolder, logLevel = 'debug' }) {
	if (!tarball || !fs.existsSync(tarball)) throw new Error(`tarball ${tarball} does not exist`);
	const folder = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `n8n-${version}-`));
	const forget = userFolder ? () => undefined : removeOnExit(folder);
	const n8n = await startN8nProcess({
		version,
		role: 'main',
		folder,
		logFile: path.join(folder, 'n8n.log'),
		tarball,
		port,
		env: { N8N_LOG_LEVEL: logLevel, DB_SQLITE_POOL_SIZE: '2', ...env },
	});
	try {
		await signIn(n8n);
	} catch (error) {
		await n8n.process.stop();
		error.message += `\n--- n8n ${version} log (tail) ---\n${n8n.logs().slice(-6000)}`;
		throw error;
	}
	const { connection } = n8n;
	return Object.assign(n8n, {
		/** Stops n8n (SIGTERM to its group, SIGKILL after 20 s). Keeps the user folder if asked. */
		async stop({ keepFolder = false } = {}) {
			await n8n.process.stop();
			if (!keepFolder && !userFolder) fs.rmSync(folder, { recursive: true, force: true });
			forget();
		},
		connection: () => ({ version, main: connection(n8n.logFile) }),
	});
}

/**
 * PostgreSQL, Redis and n8n in queue mode: one main (`n8n start`, production webhooks off as
 * when webhook processors take them), `webhooks` webhook processors and `workers` workers, all
 * sharing the database, Redis and the encryption key, each with the package installed in its own
 * user folder, as separate hosts would. Options: version (2.41.1), tarball, webhooks (2),
 * workers (1), workerConcurrency (10), logLevel (info; the main instance logs at debug, where n8n
 * 2.x says when it has started a workflow's triggers). `stop({ keep })` stops everything, also
 * after a failure (`keep` keeps the logs).
 */
async function startQueueCluster({
	version = '2.41.1',
	tarball,
	webhooks = 2,
	workers = 1,
	workerConcurrency = 10,
	logLevel = 'info',
}) {
	if (!tarball || !fs.existsSync(tarball)) throw new Error(`tarball ${tarball} does not exist`);
	const started = Date.now();
	const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-transak-queue-'));
	// An interrupted run removes it; a finished one removes it or keeps it (logs) on purpose.
	const forgetRunDir = removeOnExit(runDir);
	const timings = {};
	const services = [];
	const stop = async ({ keep = false } = {}) => {
		const t = Date.now();
		// n8n first: it talks to PostgreSQL and Redis while stopping. The servers remove their data.
		await stopAll((name) => name.startsWith('n8n '));
		await Promise.all(services.map((service) => service.stop()));
		await stopAll();
		if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
		forgetRunDir();
		log(`stopped every process in ${since(t)}${keep ? ` (logs kept in ${runDir})` : ''}`);
	};
	try {
		const t0 = Date.now();
		const [postgres, redis] = await Promise.all([
			startPostgres({ databases: ['n8n'], logDir: runDir }),
			startRedis({ baseDir: runDir }),
		]);
		services.push(postgres, redis);
		timings.servicesMs = Date.now() - t0;
		// A custom database number and prefix show that the package follows n8n's settings.
		const queue = { db: 1, prefix: `transak-q-${crypto.randomBytes(3).toString('hex')}` };
		const shared = {
			EXECUTIONS_MODE: 'queue',
			N8N_ENCRYPTION_KEY: crypto.randomBytes(24).toString('base64url'),
			N8N_LOG_LEVEL: logLevel,
			...postgres.n8nEnv('n8n'),
			...redis.n8nEnv(queue),
		};
		const start = (role, command, extra = {}) =>
			startN8nProcess({
				version,
				role,
				command,
				folder: path.join(runDir, role),
				logFile: path.join(runDir, `${role}.log`),
				tarball,
				env: shared,
				...extra,
			});

		const t1 = Date.now();
		// First alone: it runs the database migrations the other processes expect.
		const main = await signIn(
			await start('main', 'start', {
				env: { ...shared, N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true', N8N_LOG_LEVEL: 'debug' },
			}),
		);
		timings.mainMs = Date.now() - t1;
		const t2 = Date.now();
		const others = await Promise.all([
			...Array.from({ length: webhooks }, (_, i) => start(`webhook-${i + 1}`, 'webhook')),
			...Array.from({ length: workers }, (_, i) =>
				start(`worker-${i + 1}`, 'worker', { args: [`--concurrency=${workerConcurrency}`] }),
			),
		]);
		timings.othersMs = Date.now() - t2;
		timings.totalMs = Date.now() - started;
		log(
			`queue cluster ready in ${since(started)} (services ${(timings.servicesMs / 1000).toFixed(1)} s, main ${(timings.mainMs / 1000).toFixed(1)} s, ${webhooks} webhook + ${workers} worker ${(timings.othersMs / 1000).toFixed(1)} s)`,
		);
		const cluster = {
			version,
			runDir,
			timings,
			postgres,
			redis: { host: redis.host, port: redis.port, password: redis.password, ...queue },
			main,
			webhooks: others.filter((p) => p.command === 'webhook'),
			workers: others.filter((p) => p.command === 'worker'),
			/** Every process started, n8n and servers: none may outlive `stop()`. */
			pids: () => [main, ...others, postgres, redis].map((p) => p.process.pid),
			/** What a test process needs to reach the cluster (see client.js's connect). */
			connection: () => ({
				version,
				main: main.connection(main.logFile),
				webhooks: cluster.webhooks.map((w) => w.connection(w.logFile)),
				workers: cluster.workers.map((w) => w.connection(w.logFile)),
				redis: cluster.redis,
			}),
			stop,
		};
		return cluster;
	} catch (error) {
		await stop({ keep: true });
		error.message += `\n(logs kept in ${runDir})`;
		throw error;
	}
}

module.exports = { startN8n, startQueueCluster, OWNER };
