'use strict';
/**
 * Workflow JSON for the package's nodes, as the suites, the benches and the sandbox create them
 * through n8n's public API, and reading items back out of execution data.
 */
const { randomUUID } = require('crypto');

const PACKAGE = 'n8n-nodes-transak';
const TRIGGER = 'Transak Trigger';

/**
 * A node entry of a workflow.
 * @param {string} name
 * @param {string} type
 * @param {Record<string, unknown>} parameters
 * @param {Record<string, unknown>} [extra]
 * @returns {Record<string, any>}
 */
function node(name, type, parameters, extra = {}) {
	return { id: randomUUID(), name, type, typeVersion: 1, position: [0, 0], parameters, ...extra };
}

/**
 * `[from, to, outputIndex?]` links -> n8n's connections object (main connections only).
 * @param {Array<[string, string, number?]>} links
 */
function connect(links) {
	/** @type {Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>} */
	const connections = {};
	for (const [from, to, outputIndex = 0] of links) {
		const entry = (connections[from] ??= { main: [] });
		while (entry.main.length <= outputIndex) entry.main.push([]);
		entry.main[outputIndex].push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

/**
 * The items a node output on `outputIndex` in the first run of `nodeName` of an execution.
 * @param {{ data?: any }} execution
 * @param {string} nodeName
 * @param {number} [outputIndex]
 * @returns {Array<Record<string, any>>}
 */
function outputItems(execution, nodeName, outputIndex = 0) {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	if (!runs?.length) return [];
	const output = runs[0].data?.main?.[outputIndex];
	return (output ?? []).map((/** @type {{ json: any }} */ item) => item.json);
}

/** The `orderId` of the trigger's item in each execution (undefined where there is none). */
function triggerOrderIds(executions, nodeName = TRIGGER) {
	return executions.map((execution) => outputItems(execution, nodeName)[0]?.orderId);
}

/**
 * A Transak API credential for trigger-only workflows: it verifies with `accessToken`, and its
 * API (port 9, nothing listens) is never called.
 * @param {{ createCredential(type: string, data: object): Promise<{ id: string, name: string }> }} client
 * @param {{ accessToken: string, apiKey?: string, apiSecret?: string }} data
 */
function signingCredential(client, { accessToken, apiKey = 'partner-api-key', apiSecret }) {
	return client.createCredential('transakApi', {
		environment: 'custom',
		baseUrl: 'http://127.0.0.1:9',
		apiKey,
		accessToken,
		...(apiSecret === undefined ? {} : { apiSecret }),
	});
}

/** `credentials` of a node that uses `credential`. */
const uses = (/** @type {{ id: string, name: string }} */ credential) => ({
	credentials: { transakApi: { id: credential.id, name: credential.name } },
});

/**
 * A Transak Trigger node answering at `/webhook/<webhookId>/webhook`.
 * @param {{ webhookId: string, credential: { id: string, name: string }, events?: string[],
 *   options?: Record<string, unknown>, typeVersion?: number, name?: string,
 *   parameters?: Record<string, unknown> }} settings
 */
function transakTrigger({
	webhookId,
	credential,
	events = [],
	options,
	typeVersion = 1,
	name,
	parameters: extra = {},
}) {
	const parameters = { events, ...(options === undefined ? {} : { options }), ...extra };
	return node(name ?? TRIGGER, `${PACKAGE}.transakTrigger`, parameters, {
		typeVersion,
		webhookId,
		...uses(credential),
	});
}

/**
 * A Transak WebSocket Trigger node pointed at a Pusher-protocol server on 127.0.0.1.
 * @param {{ credential: { id: string, name: string }, pusher: { key: string, port: number },
 *   parameters: Record<string, unknown>, options?: Record<string, unknown>, name?: string }} settings
 */
function webSocketTrigger({ credential, pusher, parameters, options = {}, name }) {
	return node(
		name ?? 'Transak WebSocket Trigger',
		`${PACKAGE}.transakWebSocketTrigger`,
		{
			...parameters,
			options: {
				appKey: pusher.key,
				cluster: 'local',
				wsHost: '127.0.0.1',
				wsPort: pusher.port,
				forceTLS: false,
				recoverMissed: false,
				...options,
			},
		},
		uses(credential),
	);
}

/**
 * Webhook node -> Transak node (resource order): the request body carries the parameters, and
 * the answer holds the Transak node's items.
 * @param {string} name
 * @param {string} hook  the Webhook node's path and ID
 * @param {{ id: string, name: string }} credential
 * @param {Record<string, unknown>} parameters  the Transak node's, besides resource
 */
function apiWorkflow(name, hook, credential, parameters) {
	const webhook = { httpMethod: 'POST', path: hook, responseMode: 'lastNode' };
	return {
		name,
		nodes: [
			node(
				'Start',
				'n8n-nodes-base.webhook',
				{ ...webhook, responseData: 'allEntries', options: {} },
				{ typeVersion: 2, webhookId: hook },
			),
			node(
				'Transak',
				`${PACKAGE}.transak`,
				{ resource: 'order', ...parameters },
				{ position: [250, 0], ...uses(credential) },
			),
		],
		connections: connect([['Start', 'Transak']]),
	};
}

module.exports = {
	PACKAGE,
	TRIGGER,
	node,
	connect,
	outputItems,
	triggerOrderIds,
	signingCredential,
	transakTrigger,
	webSocketTrigger,
	apiWorkflow,
};
