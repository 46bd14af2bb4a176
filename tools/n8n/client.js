'use strict';
/**
 * Drives a running n8n over HTTP: raw requests, the public API (`/api/v1`) with an API key, the
 * owner's REST API with its session cookie, workflows, executions and webhooks. `connect()` gives
 * a test process (jest) clients for the n8n processes a suite runner started, from the connection
 * it hands over in env N8N_TRANSAK_CONNECTION.
 */
const fs = require('fs');
const http = require('http');

const { sleep } = require('../log');

const BROWSER_ID = 'n8n-nodes-transak-tooling';

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
				readBody(res).then((text) => {
					let json;
					try {
						json = JSON.parse(text);
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode, headers: res.headers, text, json });
				}, reject);
			},
		);
		req.on('timeout', () =>
			req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)),
		);
		req.on('error', reject);
		req.end(payload);
	});
}

/** The whole body of an incoming message, as text. */
function readBody(message) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		message.on('data', (chunk) => chunks.push(chunk));
		message.on('error', reject);
		message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
	});
}

/**
 * Helpers for one n8n process: raw HTTP, the public API, the owner's REST API, workflows,
 * executions, webhooks. `session` holds {cookie, apiKey} (filled once the owner exists); `logs()`
 * returns everything the process printed so far. `role` and `pid` name the process.
 */
function createClient({ version, baseUrl, session = { cookie: '', apiKey: '' }, logs, role, pid }) {
	const major = Number(String(version).split('.')[0]);
	const authorized = async (method, url, headers, body) => {
		const { status, text, json } = await request(method, `${baseUrl}${url}`, {
			headers: { ...headers, accept: 'application/json' },
			body,
		});
		if (status < 200 || status > 299)
			throw new Error(`n8n ${version} ${method} ${url} -> ${status}: ${text.slice(0, 2000)}`);
		return json;
	};
	const client = {
		version,
		major,
		baseUrl,
		role,
		pid,
		session,
		logs,

		/** Raw HTTP to this n8n: `{status, headers, text, json}`. */
		http(method, urlPath, options = {}) {
			return request(method, `${baseUrl}${urlPath}`, options);
		},

		/** The public API (`/api/v1`); throws on a non-2xx answer. */
		api(method, apiPath, body) {
			return authorized(method, `/api/v1${apiPath}`, { 'X-N8N-API-KEY': session.apiKey }, body);
		},

		/** The internal REST API with the owner's session cookie; throws on a non-2xx answer. */
		rest(method, restPath, body) {
			const headers = { cookie: session.cookie, 'browser-id': BROWSER_ID };
			return authorized(method, `/rest${restPath}`, headers, body);
		},

		async createCredential(type, data, name = `${type} ${Date.now()}`) {
			// n8n 1.123's public API schema wrongly requires `allowedDomains` unless this is sent.
			const payload = major < 2 ? { allowedHttpRequestDomains: 'all', ...data } : data;
			return client.api('POST', '/credentials', { name, type, data: payload });
		},

		/**
		 * Changes fields of a credential the way the editor saves it: read it (secret fields come
		 * back blanked), change the fields, send it all back (n8n keeps the blanked ones as stored).
		 */
		async updateCredential(id, changes) {
			const { data: credential } = await client.rest('GET', `/credentials/${id}?includeData=true`);
			return client.rest('PATCH', `/credentials/${id}`, {
				name: credential.name,
				type: credential.type,
				data: { ...credential.data, ...changes },
			});
		},

		async createWorkflow(workflow) {
			return client.api('POST', '/workflows', {
				name: workflow.name ?? `workflow ${Date.now()}`,
				nodes: workflow.nodes,
				connections: workflow.connections ?? {},
				settings: workflow.settings ?? { executionOrder: 'v1' },
			});
		},

		activate: (id) => client.api('POST', `/workflows/${id}/activate`),
		deactivate: (id) => client.api('POST', `/workflows/${id}/deactivate`),

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
				// A probe that starts an execution waits for it (on a worker in queue mode, which a
				// loaded machine can make slow): give it the whole remaining time.
				const answer = await client.http(method, `/webhook/${webhookPath}`, {
					body: probe,
					headers: { 'content-type': 'application/json' },
					timeoutMs: Math.max(30_000, deadline - Date.now()),
				});
				if (answer.status !== 404) return answer;
				if (Date.now() > deadline)
					throw new Error(`n8n ${version}: webhook ${webhookPath} still 404 after ${timeoutMs} ms`);
				await sleep(200);
			}
		},

		/** What another process needs to reach this one (see connect). */
		connection(logFile) {
			return { role, pid, baseUrl, apiKey: session.apiKey, cookie: session.cookie, logFile };
		},
	};
	return client;
}

/** Everything in a log file so far ('' before it exists). */
const readLog = (file) => () => (file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

/**
 * @typedef {{ role: string, pid: number, baseUrl: string, apiKey?: string, cookie?: string,
 *   logFile?: string }} ProcessConnection
 * @typedef {{ version: string, main: ProcessConnection, webhooks?: ProcessConnection[],
 *   workers?: ProcessConnection[], redis?: { host: string, port: number, password: string,
 *   db: number, prefix: string } }} Connection
 */

/**
 * Clients for the n8n processes a suite runner started: `connection` is what its `connection()`
 * returned, by default read from env N8N_TRANSAK_CONNECTION (JSON). Returns `{version, main,
 * webhooks, workers, redis}`; in one process `webhooks` is `[main]` and `workers` is empty.
 * @param {Connection} [connection]
 */
function connect(connection = JSON.parse(process.env.N8N_TRANSAK_CONNECTION || 'null')) {
	if (!connection)
		throw new Error('no n8n to connect to: run the suite through its npm script (npm run test:…)');
	const { version } = connection;
	const clientFor = (/** @type {ProcessConnection} */ p) =>
		createClient({
			version,
			baseUrl: p.baseUrl,
			session: { cookie: p.cookie ?? '', apiKey: p.apiKey ?? '' },
			logs: readLog(p.logFile),
			role: p.role,
			pid: p.pid,
		});
	const main = clientFor(connection.main);
	const webhooks = connection.webhooks?.length ? connection.webhooks.map(clientFor) : [main];
	const workers = (connection.workers ?? []).map(clientFor);
	return { version, main, webhooks, workers, redis: connection.redis };
}

module.exports = { request, readBody, createClient, connect };
