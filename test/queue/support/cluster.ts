/**
 * Helpers shared by the queue-mode test files: the cluster started by scripts/queue.js (main,
 * webhook processors, workers), which process enqueued and which ran an execution (from their
 * logs), and a place to record measured figures for the run's summary.
 */
import * as fs from 'fs';
import * as path from 'path';

import { connectCluster } from '../../../scripts/lib/queue-cluster';
import { connectionsTo } from '../../../scripts/lib/queue-procs';
import type { Execution } from '../../e2e/support/n8n';

export {
	connect,
	node,
	outputItems,
	secret,
	uniqueId,
	PACKAGE,
	type Execution,
} from '../../e2e/support/n8n';

type MainClient = ReturnType<typeof connectCluster>['main'];
type HttpAnswer = { status: number; headers: Record<string, unknown>; text: string; json: any };

/** A webhook processor: raw HTTP to it, and its log. */
export interface Target {
	role: string;
	pid: number;
	baseUrl: string;
	logs(): string;
	http(
		method: string,
		urlPath: string,
		options?: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
	): Promise<HttpAnswer>;
	waitForWebhook(
		webhookPath: string,
		options?: { method?: string; probe?: string; timeoutMs?: number },
	): Promise<HttpAnswer>;
}

export interface Cluster {
	version: string;
	main: MainClient & { pid: number; role: string };
	webhooks: Target[];
	workers: Array<{ role: string; pid: number; logs(): string }>;
	redis: { host: string; port: number; password: string; db: number; prefix: string };
}

let cached: Cluster | undefined;
/** The cluster of this run (scripts/queue.js passes its connection in N8N_QUEUE_CONNECTION). */
export function cluster(): Cluster {
	cached ??= connectCluster() as unknown as Cluster;
	return cached;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function executions(workflowId: string): Promise<Execution[]> {
	return (await cluster().main.executions(workflowId)) as Execution[];
}

/** Waits for `count` finished executions, then checks (after a settling pause) that no more appear. */
export async function exactlyExecutions(
	workflowId: string,
	count: number,
	settleMs = 1500,
): Promise<Execution[]> {
	await cluster().main.waitForExecutions(workflowId, count, 120_000);
	await sleep(settleMs);
	const all = await executions(workflowId);
	expect(all).toHaveLength(count);
	return all;
}

const isFinished = (e: Execution) =>
	e.finished === true || Boolean((e as Execution & { stoppedAt?: string }).stoppedAt);

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

/** POSTs a body to a webhook processor's production URL of `webhookId`. */
export async function post(
	target: Target,
	webhookPath: string,
	body: unknown,
	contentType = 'application/json',
) {
	return target.http('POST', `/webhook/${webhookPath}`, {
		body: typeof body === 'string' ? body : JSON.stringify(body),
		headers: { 'content-type': contentType },
		timeoutMs: 60_000,
	});
}

/** Activates a workflow on the main instance and waits until every webhook processor routes it. */
export async function activateOnAllProcessors(
	workflowId: string,
	webhookPath: string,
	probe = '{}',
): Promise<void> {
	await cluster().main.activate(workflowId);
	for (const target of cluster().webhooks)
		await target.waitForWebhook(webhookPath, { probe, timeoutMs: 60_000 });
}

function rolesLogging(
	pattern: RegExp,
	processes: Array<{ role: string; logs(): string }>,
): string[] {
	return processes.filter((p) => pattern.test(p.logs())).map((p) => p.role);
}

/** Which processes logged that they put execution `id` in the queue ("Enqueued execution <id> "). */
export function enqueuedBy(id: string | number): string[] {
	const { main, webhooks, workers } = cluster();
	return rolesLogging(new RegExp(`Enqueued execution ${id} \\(`), [
		{ role: 'main', logs: main.logs },
		...webhooks,
		...workers,
	]);
}

/** Which processes logged that they ran execution `id` ("Worker started execution <id> "). */
export function ranBy(id: string | number): string[] {
	const { main, webhooks, workers } = cluster();
	return rolesLogging(new RegExp(`Worker started execution ${id} \\(`), [
		{ role: 'main', logs: main.logs },
		...webhooks,
		...workers,
	]);
}

/** Established TCP connections to 127.0.0.1:`port`, per n8n process (its task runners included). */
export function socketsPerProcess(port: number): Record<string, number> {
	const { main, webhooks, workers } = cluster();
	const trees: Record<string, number> = { main: main.pid };
	for (const p of [...webhooks, ...workers]) trees[p.role] = p.pid;
	return connectionsTo(port, trees) as Record<string, number>;
}

/** Every log of the cluster, for leak checks. */
export function allLogs(): string {
	const { main, webhooks, workers } = cluster();
	return [main.logs(), ...webhooks.map((w) => w.logs()), ...workers.map((w) => w.logs())].join(
		'\n',
	);
}

/** Records a measured figure for the run's summary (scripts/queue.js prints them). */
export function record(name: string, value: unknown): void {
	const dir = process.env.N8N_QUEUE_RESULTS;
	const line = `${JSON.stringify({ name, value })}\n`;
	process.stderr.write(`[queue result] ${line}`);
	if (dir) fs.appendFileSync(path.join(dir, 'results.jsonl'), line);
}
