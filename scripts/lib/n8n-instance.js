'use strict';
/**
 * Starts a real n8n (from the cache of n8n-install.js) with the packed n8n-nodes-transak
 * installed the way users install community packages, and drives it over its REST and public
 * APIs. Every n8n process started here runs in its own process group, is recorded in a PID
 * registry (so a crashed test run can still be cleaned up), and is killed by `stop()`, on
 * process exit, and on SIGINT/SIGTERM.
 */
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const { hasEnvMarker, isAlive, killGroup } = require('./process-groups');
const { ensureN8n } = require('./n8n-install');

const HOST = '127.0.0.1';
const OWNER = {
	email: 'e2e@example.com',
	firstName: 'E2E',
	lastName: 'Runner',
	password: 'E2e-Password-123',
};
const READY_TIMEOUT_MS = 240_000;
const MAX_LOG_BYTES = 8 * 1024 * 1024;
const BROWSER_ID = 'n8n-nodes-transak-e2e';

function log(message) {
	process.stderr.write(`[n8n-instance ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free on 127.0.0.1 right now, and not handed out before by this process. */
const handedOut = new Set();
async function freePort() {
	for (;;) {
		const port = await new Promise((resolve, reject) => {
			const server = net.createServer();
			server.unref();
			server.once('error', reject);
			server.listen(0, HOST, () => {
				const { port: p } = server.address();
				server.close(() => resolve(p));
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
}

// ---------------------------------------------------------------- PID registry and clean-up

/**
 * Folder with one file per live n8n process group started by this code (name = PID): env
 * N8N_E2E_PID_DIR (scripts/e2e.js sets one per run), else a fixed folder in the temp dir.
 */
function pidRegistry(
	dir = process.env.N8N_E2E_PID_DIR || path.join(os.tmpdir(), 'n8n-nodes-transak-e2e-pids'),
) {
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

/** True when `pid` still runs the n8n we started (guards against a reused PID). */
function isOurN8n(pid, marker) {
	return hasEnvMarker(pid, 'N8N_TRANSAK_E2E_INSTANCE', marker);
}

/**
 * Kills n8n process groups in the registry whose owner process is `owner` or is dead (all of
 * them when no owner is given and `all` is set). Used by scripts/e2e.js after each jest run and
 * by the e2e jest teardown. Returns how many it killed.
 */
function reapRegistered({ owner, all = false, dir: registryDir } = {}) {
	const dir = pidRegistry(registryDir);
	let reaped = 0;
	for (const name of fs.readdirSync(dir)) {
		const file = path.join(dir, name);
		let entry;
		try {
			entry = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch {
			continue;
		}
		const ownerGone = !isAlive(entry.owner);
		if (!all && entry.owner !== owner && !ownerGone) continue;
		if (isAlive(entry.pid) && isOurN8n(entry.pid, entry.marker)) {
			killGroup(entry.pid, 'SIGKILL');
			reaped += 1;
		}
		fs.rmSync(file, { force: true });
	}
	return reaped;
}

const running = new Set();
let exitHooksInstalled = false;
function installExitHooks() {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.on('exit', () => {
		for (const instance of running) instance.killNow();
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(signal, () => {
			for (const instance of running) instance.killNow();
			process.kill(process.pid, signal);
		});
	}
}

// ---------------------------------------------------------------- HTTP

/**
 * One HTTP request on a fresh connection (no keep-alive pool): a pooled socket that n8n closes
 * after its 5 s keep-alive timeout races the next request and fails it with "other side closed".
 * Returns `{status, headers, text, json}`; `headers` as node's http gives them (lower-case keys).
 */
function request(method, url, { headers = {}, body, timeoutMs = 30_000 } = {}) {
	const outgoing = { ...headers };
	let payload;
	if (body !== undefined) {
		if (typeof body === 'string' || Buffer.isBuffer(body)) {
			payload = Buffer.from(body);
		} else {
			payload = Buffer.from(JSON.stringify(body));
			if (!Object.keys(outgoing).some((k) => k.toLowerCase() === 'content-type'))
				outgoing['content-type'] = 'application/json';
		}
		outgoing['content-length'] = String(payload.length);
	}
	for (const [key, value] of Object.entries(outgoing))
		if (value === '' || value === undefined) delete outgoing[key];
	return new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{ method, headers: outgoing, agent: false, timeout: timeoutMs },
			(res) => {
				const chunks = [];
				res.on('data', (chunk) => chunks.push(chunk));
				res.on('error', reject);
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let json;
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode, headers: res.headers, text, json });
				});
			},
		);
		req.on('timeout', () =>
			req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)),
		);
		req.on('error', reject);
		req.end(payload);
	});
}

// ---------------------------------------------------------------- the API client

/**
 * Helpers for one n8n: raw HTTP, the public API, the owner's REST API, workflows, executions,
 * webhooks. `session` holds {cookie, apiKey} (filled once the owner exists); `logs()` returns
 * everything n8n printed so far.
 */
function createClient({ version, baseUrl, session, logs }) {
	const major = Number(String(version).split('.')[0]);
	const client = {
		version,
		major,
		baseUrl,
		get apiKey() {
			return session.apiKey;
		},
		logs,

		/** Raw HTTP to this n8n: `{status, headers, text, json}`. */
		http(method, urlPath, options = {}) {
			return request(method, `${baseUrl}${urlPath}`, options);
		},

		/** The public API (`/api/v1`); throws on a non-2xx answer. */
		async api(method, apiPath, body) {
			const { status, text, json } = await request(method, `${baseUrl}/api/v1${apiPath}`, {
				headers: { 'X-N8N-API-KEY': session.apiKey, accept: 'application/json' },
				body,
			});
			if (status < 200 || status > 299)
				throw new Error(
					`n8n ${version} ${method} /api/v1${apiPath} -> ${status}: ${text.slice(0, 2000)}`,
				);
			return json;
		},

		/** The internal REST API with the owner's session cookie; throws on a non-2xx answer. */
		async rest(method, restPath, body) {
			const { status, text, json } = await request(method, `${baseUrl}/rest${restPath}`, {
				headers: { cookie: session.cookie, 'browser-id': BROWSER_ID, accept: 'application/json' },
				body,
			});
			if (status < 200 || status > 299)
				throw new Error(
					`n8n ${version} ${method} /rest${restPath} -> ${status}: ${text.slice(0, 2000)}`,
				);
			return json;
		},

		async createCredential(type, data, name = `${type} ${Date.now()}`) {
			// n8n 1.123's public API schema wrongly requires `allowedDomains` unless this is sent.
			const payload = major < 2 ? { allowedHttpRequestDomains: 'all', ...data } : data;
			return client.api('POST', '/credentials', { name, type, data: payload });
		},

		async createWorkflow(workflow) {
			const body = {
				name: workflow.name ?? `e2e ${Date.now()}`,
				nodes: workflow.nodes,
				connections: workflow.connections ?? {},
				settings: workflow.settings ?? { executionOrder: 'v1' },
			};
			return client.api('POST', '/workflows', body);
		},

		async activate(id) {
			return client.api('POST', `/workflows/${id}/activate`);
		},

		async deactivate(id) {
			return client.api('POST', `/workflows/${id}/deactivate`);
		},

		/** Every execution of the workflow, with data, oldest first. */
		async executions(workflowId) {
			const all = [];
			let cursor;
			do {
				const query = new URLSearchParams({
					workflowId: String(workflowId),
					includeData: 'true',
					limit: '100',
				});
				if (cursor) query.set('cursor', cursor);
				const page = await client.api('GET', `/executions?${query}`);
				all.push(...page.data);
				cursor = page.nextCursor;
			} while (cursor);
			return all.sort((a, b) => Number(a.id) - Number(b.id));
		},

		/**
		 * Waits until the workflow has at least `count` finished executions; returns them all.
		 * Throws with what it saw on timeout.
		 */
		async waitForExecutions(workflowId, count, timeoutMs = 30_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const seen = await client.executions(workflowId);
				const finished = seen.filter(
					(execution) => execution.finished === true || execution.stoppedAt,
				);
				if (finished.length >= count) return seen;
				if (Date.now() > deadline) {
					throw new Error(
						`n8n ${version}: workflow ${workflowId} has ${seen.length} executions (${finished.length} finished), expected ${count}: ${JSON.stringify(seen.map((e) => ({ id: e.id, status: e.status, finished: e.finished })))}`,
					);
				}
				await sleep(250);
			}
		},

		/**
		 * Waits until a production webhook answers something other than 404 (activation registers
		 * webhooks asynchronously). `probe` is sent as the body; returns the first non-404 answer.
		 */
		async waitForWebhook(webhookPath, { method = 'POST', probe = '{}', timeoutMs = 30_000 } = {}) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const answer = await client.http(method, `/webhook/${webhookPath}`, {
					body: probe,
					headers: { 'content-type': 'application/json' },
				});
				if (answer.status !== 404) return answer;
				if (Date.now() > deadline)
					throw new Error(`n8n ${version}: webhook ${webhookPath} still 404 after ${timeoutMs} ms`);
				await sleep(200);
			}
		},
	};
	return client;
}

/**
 * A client for an n8n started elsewhere (the jest global setup): `connection` is what
 * `instance.connection()` returned, by default read from env N8N_E2E_CONNECTION (JSON).
 */
function connectN8n(connection = JSON.parse(process.env.N8N_E2E_CONNECTION || 'null')) {
	if (!connection) throw new Error('connectN8n: no connection (run through `npm run test:e2e`)');
	const session = { cookie: connection.cookie, apiKey: connection.apiKey };
	const logs = () =>
		connection.logFile && fs.existsSync(connection.logFile)
			? fs.readFileSync(connection.logFile, 'utf8')
			: '';
	return createClient({ version: connection.version, baseUrl: connection.baseUrl, session, logs });
}

// ---------------------------------------------------------------- the community package

/** `npm install <tarball>` into `<userFolder>/.n8n/nodes`, as n8n's community package installer does. */
function installPackage(userFolder, tarball, nodeBin) {
	const started = Date.now();
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`,
	);
	const env = {
		...process.env,
		PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`,
	};
	for (const key of Object.keys(env)) if (/^npm_(config|package)_/i.test(key)) delete env[key];
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
		{ cwd: nodesDir, env, encoding: 'utf8' },
	);
	if (result.status !== 0) {
		throw new Error(
			`npm install ${tarball} in ${nodesDir} failed:\n${result.stdout}\n${result.stderr}`,
		);
	}
	const installed = path.join(nodesDir, 'node_modules', 'n8n-nodes-transak', 'package.json');
	if (!fs.existsSync(installed))
		throw new Error(`n8n-nodes-transak is not in ${nodesDir}/node_modules after npm install`);
	for (const dependency of ['pusher-js', 'jsonwebtoken']) {
		if (!fs.existsSync(path.join(nodesDir, 'node_modules', dependency, 'package.json'))) {
			throw new Error(`npm install did not install the runtime dependency ${dependency}`);
		}
	}
	return Date.now() - started;
}

// ---------------------------------------------------------------- the instance

/**
 * Starts n8n `version` with the tarball installed as a community package. Returns a handle with
 * helpers for the public API. Options: port (default: a free one), env (extra environment),
 * userFolder (default: a fresh temp folder), logLevel (default debug, so leak checks see most).
 */
async function startN8n({ version, tarball, port, env = {}, userFolder, logLevel = 'debug' } = {}) {
	if (!version) throw new Error('startN8n: version is required');
	if (!tarball || !fs.existsSync(tarball))
		throw new Error(`startN8n: tarball ${tarball} does not exist`);
	const { nodeBin, n8nBin } = await ensureN8n(version);
	const folder = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${version}-`));
	const installMs = installPackage(folder, tarball, nodeBin);

	const httpPort = port ?? (await freePort());
	const brokerPort = await freePort();
	const marker = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	const baseUrl = `http://${HOST}:${httpPort}`;
	const childEnv = {
		...process.env,
		PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}`,
		N8N_USER_FOLDER: folder,
		N8N_PORT: String(httpPort),
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `${baseUrl}/`,
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: logLevel,
		N8N_LOG_OUTPUT: 'console',
		DB_SQLITE_POOL_SIZE: '2',
		// n8n's CLI does nothing under NODE_ENV=test (which jest sets); n8n's Docker image runs
		// with production, which also keeps stack traces out of HTTP error answers.
		NODE_ENV: 'production',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		N8N_TRANSAK_E2E_INSTANCE: marker,
		...env,
	};
	for (const key of Object.keys(childEnv)) {
		if (/^(npm_(config|package|lifecycle)_|JEST_)/i.test(key)) delete childEnv[key];
	}

	const started = Date.now();
	const child = spawn(nodeBin, [n8nBin, 'start'], {
		cwd: folder,
		env: childEnv,
		detached: true, // own process group: stop() kills n8n and its task runners together
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const registryFile = path.join(pidRegistry(), String(child.pid));
	fs.writeFileSync(
		registryFile,
		JSON.stringify({ pid: child.pid, owner: process.pid, marker, version }),
	);

	const chunks = [];
	let logBytes = 0;
	const capture = (chunk) => {
		if (logBytes < MAX_LOG_BYTES) {
			chunks.push(chunk);
			logBytes += chunk.length;
		}
	};
	// Also to a file, so test files (other module registries) can read the log via connectN8n.
	const logFile = path.join(folder, 'n8n.log');
	const logStream = fs.createWriteStream(logFile);
	child.stdout.on('data', capture);
	child.stderr.on('data', capture);
	child.stdout.pipe(logStream, { end: false });
	child.stderr.pipe(logStream, { end: false });
	let exited = null;
	const exitPromise = new Promise((resolve) => {
		child.on('exit', (code, signal) => {
			exited = { code, signal };
			running.delete(instance);
			fs.rmSync(registryFile, { force: true });
			resolve(exited);
		});
	});

	const logs = () => Buffer.concat(chunks).toString('utf8');
	const session = { cookie: '', apiKey: '' };
	const client = createClient({ version, baseUrl, session, logs });

	const instance = Object.assign(client, {
		port: httpPort,
		userFolder: folder,
		logFile,
		pid: child.pid,
		timings: { packageInstallMs: installMs, startMs: 0 },
		killNow() {
			if (exited === null) killGroup(child.pid, 'SIGKILL');
		},
		/** Stops n8n (SIGTERM to its group, SIGKILL after 10 s). Keeps the user folder if asked. */
		async stop({ keepFolder = false } = {}) {
			if (exited === null) {
				killGroup(child.pid, 'SIGTERM');
				const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000);
				await exitPromise;
				clearTimeout(timer);
				// Task runners share the group; make sure none outlived the main process.
				killGroup(child.pid, 'SIGKILL');
			}
			running.delete(instance);
			logStream.end();
			if (!keepFolder && userFolder === undefined)
				fs.rmSync(folder, { recursive: true, force: true });
		},
		/** What a test process needs to reach this instance (see connectN8n). */
		connection() {
			return { version, baseUrl, apiKey: session.apiKey, cookie: session.cookie, logFile };
		},
	});
	running.add(instance);
	installExitHooks();

	try {
		await waitUntilReady(instance, () => exited, logs);
		instance.timings.startMs = Date.now() - started;
		// n8n skips a community package that fails to load and starts anyway: fail loudly here.
		const failure = logs().match(/Failed to load package "n8n-nodes-transak"[^\n]*/);
		if (failure)
			throw new Error(`n8n ${version} could not load the package: ${failure[0].slice(0, 1500)}`);
		session.cookie = await setupOwner(instance);
		session.apiKey = await createApiKey(instance, session.cookie);
	} catch (error) {
		await instance.stop({ keepFolder: true });
		error.message += `\n--- n8n ${version} log (tail) ---\n${logs().slice(-6000)}`;
		throw error;
	}
	log(
		`n8n ${version} ready at ${baseUrl} in ${(instance.timings.startMs / 1000).toFixed(1)} s (pid ${child.pid}, folder ${folder})`,
	);
	return instance;
}

async function waitUntilReady(instance, exitedState, logs) {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (exitedState() !== null) {
			throw new Error(
				`n8n ${instance.version} exited before it was ready (${JSON.stringify(exitedState())})`,
			);
		}
		try {
			// While migrations run every route answers "n8n is starting up"; 1.x then answers 404
			// for a few seconds before the REST routes exist. Ready = settings as JSON with data.
			const answer = await instance.http('GET', '/rest/settings', { timeoutMs: 5000 });
			if (answer.status === 200 && answer.json && typeof answer.json.data === 'object') return;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) {
			throw new Error(
				`n8n ${instance.version} not ready after ${READY_TIMEOUT_MS / 1000} s; log tail:\n${logs().slice(-4000)}`,
			);
		}
		await sleep(300);
	}
}

async function setupOwner(instance) {
	const answer = await instance.http('POST', '/rest/owner/setup', { body: OWNER });
	if (answer.status !== 200)
		throw new Error(`owner setup -> ${answer.status}: ${answer.text.slice(0, 1000)}`);
	const setCookie = [answer.headers['set-cookie'] ?? []].flat();
	const auth = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
	if (!auth) throw new Error(`owner setup gave no n8n-auth cookie (${setCookie.join(' | ')})`);
	return auth;
}

async function createApiKey(instance, cookie) {
	const headers = { cookie, 'browser-id': BROWSER_ID };
	const scopes = await instance.http('GET', '/rest/api-keys/scopes', { headers });
	if (scopes.status !== 200 || !Array.isArray(scopes.json?.data)) {
		throw new Error(`GET /rest/api-keys/scopes -> ${scopes.status}: ${scopes.text.slice(0, 500)}`);
	}
	const created = await instance.http('POST', '/rest/api-keys', {
		headers,
		body: { label: 'n8n-nodes-transak e2e', scopes: scopes.json.data, expiresAt: null },
	});
	const rawApiKey = created.json?.data?.rawApiKey;
	if (created.status !== 200 || typeof rawApiKey !== 'string') {
		throw new Error(`POST /rest/api-keys -> ${created.status}: ${created.text.slice(0, 500)}`);
	}
	return rawApiKey;
}

module.exports = {
	startN8n,
	connectN8n,
	createClient,
	reapRegistered,
	freePort,
	HOST,
	// For launchers of other n8n process kinds (scripts/lib/queue-cluster.js: webhook and worker).
	installPackage,
	setupOwner,
	createApiKey,
	request,
};
