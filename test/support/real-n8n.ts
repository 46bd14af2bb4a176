/**
 * Helpers shared by the test files that run against a real n8n: the e2e suite (one n8n process,
 * started by test/e2e/setup/global-setup.js) and the queue suite (main, webhook processors and
 * workers, started by scripts/queue.js). Both hand over their processes' connection; in one
 * process the main instance also serves the webhooks and runs the executions.
 */
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { connect as connectN8n } from '../../tools/n8n/client';
import { apiWorkflow, transakTrigger, webSocketTrigger } from '../../tools/n8n/workflows';
import { connectionsTo } from '../../tools/processes';
import { makeOrders, startFakeTransakApi, type FakeTransakApi } from '../../tools/transak/fake-api';
import { startPusherServer } from '../../tools/transak/pusher-server';

export {
	connect,
	node,
	outputItems,
	PACKAGE,
	signingCredential,
	transakTrigger,
	webSocketTrigger,
} from '../../tools/n8n/workflows';

export type N8nClient = ReturnType<typeof connectN8n>['main'];

export interface Execution {
	id: string | number;
	finished: boolean;
	mode: string;
	status: string;
	workflowId: string;
	stoppedAt?: string;
	data?: {
		resultData: {
			runData: Record<
				string,
				Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> } }>
			>;
			error?: { message?: string };
		};
	};
}

let cached: ReturnType<typeof connectN8n> | undefined;
/** The n8n processes of this run: `main` (the API), `webhooks` (take deliveries), `workers`. */
export function n8n(): ReturnType<typeof connectN8n> {
	cached ??= connectN8n();
	return cached;
}

/** A fresh secret that is easy to find in a log or in execution data if it ever leaks. */
export function secret(label: string): string {
	return `e2e-${label}-${randomBytes(12).toString('hex')}`;
}

export function uniqueId(label: string): string {
	return `${label}-${randomUUID()}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every execution of a workflow with its data, oldest first. */
export async function executions(workflowId: string): Promise<Execution[]> {
	return (await n8n().main.executions(workflowId)) as Execution[];
}

/**
 * Waits for `count` finished executions, then checks that there are exactly that many: in queue
 * mode after a settling pause (by default 1.5 s), in which a duplicate would show up.
 */
export async function exactlyExecutions(
	workflowId: string,
	count: number,
	settleMs = n8n().workers.length > 0 ? 1500 : 0,
): Promise<Execution[]> {
	await n8n().main.waitForExecutions(workflowId, count, 120_000);
	if (settleMs > 0) await sleep(settleMs);
	const all = await executions(workflowId);
	expect(all).toHaveLength(count);
	return all;
}

/** The one execution that followed the `before` ones (see exactlyExecutions). */
export async function nextExecution(
	workflowId: string,
	before: number,
	settleMs?: number,
): Promise<Execution> {
	const all = await exactlyExecutions(workflowId, before + 1, settleMs);
	return all[all.length - 1];
}

const isFinished = (e: Execution) => e.finished === true || Boolean(e.stoppedAt);

/**
 * For a workflow whose final count is what is being measured: waits until at least `atLeast`
 * executions exist, every listed one has finished, and the count has not changed for `quietMs`.
 * (Leaves no backlog in the queue for the next test, whose executions would wait behind it.)
 */
export async function settledExecutions(
	workflowId: string,
	atLeast: number,
	quietMs = 3000,
	timeoutMs = 240_000,
): Promise<Execution[]> {
	const deadline = Date.now() + timeoutMs;
	let last = -1;
	let stableSince = Date.now();
	for (;;) {
		const all = await executions(workflowId);
		const settled = all.length >= atLeast && all.every(isFinished);
		if (!settled || all.length !== last) {
			last = all.length;
			stableSince = Date.now();
		} else if (Date.now() - stableSince >= quietMs) {
			return all;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`workflow ${workflowId}: ${all.length} executions, ${all.filter(isFinished).length} finished, not settled after ${timeoutMs / 1000} s`,
			);
		}
		await sleep(500);
	}
}

/** n8n's queue-mode settings of the queue cluster's Redis, as every process of it has them. */
export function queueRedisEnv(): Record<string, string> {
	const redis = n8n().redis;
	if (!redis) throw new Error('no queue cluster: run through npm run test:queue');
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_PASSWORD: redis.password,
		QUEUE_BULL_REDIS_DB: String(redis.db),
		QUEUE_BULL_PREFIX: redis.prefix,
	};
}

/** POSTs a body (JSON unless it is a string) to a webhook path of one n8n process. */
export function post(
	target: N8nClient,
	webhookPath: string,
	body: unknown,
	contentType = 'application/json',
) {
	return target.http('POST', `/webhook/${webhookPath}`, {
		body: typeof body === 'string' ? body : JSON.stringify(body),
		headers: contentType ? { 'content-type': contentType } : {},
		timeoutMs: 60_000,
	});
}

/** Activates a workflow and waits until every process that takes webhooks routes `webhookPath`. */
export async function activate(workflowId: string, webhookPath: string, probe = '{}') {
	await n8n().main.activate(workflowId);
	for (const target of n8n().webhooks)
		await target.waitForWebhook(webhookPath, { probe, timeoutMs: 60_000 });
}

/** Deactivates workflows at the end of a file, whatever state they are in. */
export async function deactivate(workflowIds: Array<string | undefined>) {
	for (const id of workflowIds)
		if (id)
			await n8n()
				.main.deactivate(id)
				.catch(() => undefined);
}

/**
 * The fake Transak partner API with 12 orders, a credential for it, and two active workflows,
 * Webhook -> Transak: `getOne` (body `{orderId}`) and `getMany` (body `{limit, returnAll, status}`).
 * Also the first access token, before any refresh, and the credential.
 */
export async function transakApiWorkflows(label: string) {
	// Orders answered as Transak's API does: their ID named `_id`.
	const fake = await startFakeTransakApi({ orders: makeOrders(12), orderIdKey: '_id' });
	const firstAccessToken = fake.accessToken;
	const { main } = n8n();
	const credential = await main.createCredential('transakApi', fake.credentials());
	const create = async (name: string, parameters: Record<string, unknown>) => {
		const hook = uniqueId(`${label}-${name}`);
		const { id } = await main.createWorkflow(
			apiWorkflow(`${label}: ${name}`, hook, credential, parameters),
		);
		// The probe starts the workflow too (an unknown order, or one listed order): harmless.
		await activate(id, hook, JSON.stringify({ orderId: 'probe', limit: 1 }));
		return { id: id as string, hook };
	};
	try {
		const getOne = await create('get', { operation: 'get', orderId: '={{ $json.body.orderId }}' });
		const getMany = await create('get many', {
			operation: 'getAll',
			returnAll: '={{ $json.body.returnAll === true }}',
			limit: '={{ $json.body.limit ?? 50 }}',
			filters: { status: "={{ $json.body.status ?? '' }}" },
		});
		return { fake, firstAccessToken, credential, getOne, getMany };
	} catch (error) {
		// The caller never gets the fake to close: close it here, or jest would wait on it forever.
		await fake.close();
		throw error;
	}
}

/**
 * Puts a token past its `exp` (the one Transak issued last) into the credential, as a user whose
 * token expired has it, and clears the fake's request log. Returns that token.
 */
export async function expireCredentialToken(
	fake: FakeTransakApi,
	credentialId: string,
): Promise<string> {
	const expired = fake.setAccessToken(fake.expiredToken());
	await n8n().main.updateCredential(credentialId, { accessToken: expired });
	fake.reset();
	return expired;
}

/** Checks that none of `secrets` appears in any of `texts` (execution data, logs). */
export function expectNoneOf(secrets: string[], ...texts: string[]): void {
	for (const value of new Set(secrets)) for (const text of texts) expect(text).not.toContain(value);
}

/**
 * Creates and activates a workflow whose Transak WebSocket Trigger subscribes to `channel` on
 * `pusher`; resolves with its ID once the socket has subscribed.
 */
export async function activateSubscribed(
	pusher: { waitForSubscribers(channel: string, count: number, timeoutMs: number): Promise<void> },
	channel: string,
	workflow: Record<string, unknown>,
): Promise<string> {
	const { id } = await n8n().main.createWorkflow(workflow);
	const name = String(workflow.name);
	const startedBefore = triggersStarted(name);
	const subscribed = pusher.waitForSubscribers(channel, 1, 60_000);
	await n8n().main.activate(id);
	await subscribed;
	// A trigger that joins a connection its API key already holds subscribes nothing new.
	await triggerStarted(name, startedBefore);
	return id;
}

/** How often n8n 2.x logged that it started the trigger of the workflow named `name`. */
export function triggersStarted(name: string): number {
	const line = `for workflow "${name}" {`;
	return n8n()
		.main.logs()
		.split('\n')
		.filter((l: string) => l.includes('Activated trigger node') && l.includes(line)).length;
}

/**
 * Waits until n8n has started the trigger of the workflow named `name` once more than `before`
 * times: n8n 2.x does it after the activation call returns (its publication outbox), and logs it;
 * n8n 1.x within the call.
 */
export async function triggerStarted(name: string, before: number, timeoutMs = 60_000) {
	const { main } = n8n();
	if (main.major < 2) return;
	const deadline = Date.now() + timeoutMs;
	while (triggersStarted(name) <= before) {
		if (Date.now() > deadline)
			throw new Error(`n8n ${main.version} did not start the trigger of "${name}"`);
		await sleep(50);
	}
}

/**
 * Token rotation set-up: a Pusher-protocol server; the fake Transak API, whose last issued token is
 * a JWT past its `exp`; a credential holding that token and the API secret; and three active
 * workflows using it: `api` (Webhook -> Transak, get the order whose ID the body names), `socket`
 * (Transak WebSocket Trigger on the all-orders channel) and `webhook` (Transak Trigger, version 2,
 * answering at `/webhook/<webhook.hook>/webhook`). Activation refreshes nothing: the probe of the
 * API workflow has no order ID, so the node fails before calling Transak.
 */
export async function expiredTokenSetup(label: string) {
	const apiKey = uniqueId(label.replace(/\W+/g, '-'));
	const pusher = await startPusherServer({ port: 0, key: `${apiKey}-app` });
	const fake = await startFakeTransakApi({ apiKey });
	const expired = fake.setAccessToken(fake.expiredToken());
	const { main } = n8n();
	const credential = await main.createCredential(
		'transakApi',
		fake.credentials({ accessToken: expired }),
	);
	const get = { operation: 'get', orderId: '={{ $json.body.orderId }}' };
	const api = { id: '', hook: uniqueId(`${apiKey}-api`) };
	api.id = (await main.createWorkflow(apiWorkflow(`${label}: get`, api.hook, credential, get))).id;
	await activate(api.id, api.hook);
	const socket = await activateSubscribed(pusher, apiKey, {
		name: `${label}: all orders`,
		nodes: [webSocketTrigger({ credential, pusher, parameters: { channel: 'allOrders' } })],
	});
	const webhook = { id: '', hook: uniqueId(`${apiKey}-webhook`) };
	webhook.id = (
		await main.createWorkflow({
			name: `${label}: webhook`,
			nodes: [transakTrigger({ webhookId: webhook.hook, credential, typeVersion: 2 })],
		})
	).id;
	await activate(webhook.id, `${webhook.hook}/webhook`);
	return { apiKey, pusher, fake, expired, credential, get, api, socket, webhook };
}

/** Every execution of the given workflows with their data, as one string, for leak checks. */
export async function allExecutionData(workflowIds: string[]): Promise<string> {
	const parts: string[] = [];
	for (const id of workflowIds) parts.push(JSON.stringify(await executions(id)));
	return parts.join('\n');
}

function processes() {
	const { main, webhooks, workers } = n8n();
	return [main, ...webhooks.filter((w) => w !== main), ...workers];
}

/** Every log of every n8n process of the run, for leak checks. */
export function allLogs(): string {
	return processes()
		.map((p) => p.logs())
		.join('\n');
}

function rolesLogging(pattern: RegExp): string[] {
	return processes()
		.filter((p) => pattern.test(p.logs()))
		.map((p) => p.role);
}

/** Which processes logged that they put execution `id` in the queue ("Enqueued execution <id> "). */
export const enqueuedBy = (id: string | number) =>
	rolesLogging(new RegExp(`Enqueued execution ${id} \\(`));

/** Which processes logged that they ran execution `id` ("Worker started execution <id> "). */
export const ranBy = (id: string | number) =>
	rolesLogging(new RegExp(`Worker started execution ${id} \\(`));

/** Checks that one worker, whichever of them, ran execution `id`. */
export function expectRanByOneWorker(id: string | number): void {
	expect(ranBy(id)).toEqual([expect.stringMatching(/^worker-\d+$/)]);
}

/** Established TCP connections to 127.0.0.1:`port`, per n8n process (its task runners included). */
export function socketsPerProcess(port: number): Record<string, number> {
	return connectionsTo(port, Object.fromEntries(processes().map((p) => [p.role, p.pid]))) as Record<
		string,
		number
	>;
}

/** Records a measured figure for the run's summary (scripts/queue.js prints them). */
export function record(name: string, value: unknown): void {
	const dir = process.env.N8N_QUEUE_RESULTS;
	const line = `${JSON.stringify({ name, value })}\n`;
	process.stderr.write(`[queue result] ${line}`);
	if (dir) fs.appendFileSync(path.join(dir, 'results.jsonl'), line);
}
