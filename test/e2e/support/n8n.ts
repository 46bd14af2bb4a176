/**
 * Helpers shared by the e2e test files: the n8n of the global setup, workflow JSON for the
 * package's nodes, and reading items out of execution data.
 */
import { randomBytes, randomUUID } from 'crypto';

import { connectN8n } from '../../../scripts/lib/n8n-instance';

export type N8nClient = ReturnType<typeof connectN8n>;

export interface Execution {
	id: string | number;
	finished: boolean;
	mode: string;
	status: string;
	workflowId: string;
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

export const PACKAGE = 'n8n-nodes-transak';

/** The n8n started by test/e2e/setup/global-setup.js. */
export function n8n(): N8nClient {
	return connectN8n();
}

/** A fresh secret that is easy to find in a log or in execution data if it ever leaks. */
export function secret(label: string): string {
	return `e2e-${label}-${randomBytes(12).toString('hex')}`;
}

export function uniqueId(label: string): string {
	return `${label}-${randomUUID()}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A node entry of a workflow. */
export function node(
	name: string,
	type: string,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return { id: randomUUID(), name, type, typeVersion: 1, position: [0, 0], parameters, ...extra };
}

/** `{source: [[target, outputIndex...]]}` -> n8n's connections object (main connections only). */
export function connect(
	links: Array<[from: string, to: string, outputIndex?: number]>,
): Record<string, unknown> {
	const connections: Record<
		string,
		{ main: Array<Array<{ node: string; type: 'main'; index: number }>> }
	> = {};
	for (const [from, to, outputIndex = 0] of links) {
		const entry = (connections[from] ??= { main: [] });
		while (entry.main.length <= outputIndex) entry.main.push([]);
		entry.main[outputIndex].push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

/** The items a node output on `outputIndex` in the first run of `nodeName` of an execution. */
export function outputItems(
	execution: Execution,
	nodeName: string,
	outputIndex = 0,
): Array<Record<string, unknown>> {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.length) return [];
	const output = runs[0].data?.main[outputIndex];
	return (output ?? []).map((item) => item.json);
}

/** Executions of a workflow that finished, oldest first. */
export async function executions(client: N8nClient, workflowId: string): Promise<Execution[]> {
	return (await client.executions(workflowId)) as Execution[];
}

/** Activates a workflow whose trigger is a webhook and waits until n8n routes its URL. */
export async function activateWebhookWorkflow(
	client: N8nClient,
	workflowId: string,
	webhookPath: string,
): Promise<void> {
	await client.activate(workflowId);
	await client.waitForWebhook(webhookPath);
}

/**
 * Every execution of the given workflows with their data, as one string: what a leak check
 * searches for secrets.
 */
export async function allExecutionData(client: N8nClient, workflowIds: string[]): Promise<string> {
	const parts: string[] = [];
	for (const id of workflowIds) parts.push(JSON.stringify(await client.executions(id)));
	return parts.join('\n');
}
