import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { TransakTrigger } from '../../../nodes/Transak/TransakTrigger.node';

export interface WebhookCall {
	body?: unknown;
	rawBody?: Buffer;
	events?: string[];
	options?: IDataObject;
	credentials?: IDataObject;
	workflowId?: string;
	/** Called on every credential read, to count them. */
	onGetCredentials?: () => void;
}

export interface WebhookAnswer {
	/** What the node returned to n8n. */
	result: IWebhookResponseData;
	/** The HTTP status the caller sees: the node's own answer, or n8n's 200 when a workflow starts. */
	status: number;
	responseBody: unknown;
	/** Items handed to n8n (empty when no execution starts). */
	items: IDataObject[];
	logs: string[];
}

export const ACCESS_TOKEN = 'test-access-token-0123456789abcdef';
export const API_SECRET = 'test-api-secret-fedcba9876543210';

let workflowCounter = 0;
/** A fresh workflow id per test keeps each test's de-duplication window its own. */
export function freshWorkflowId(): string {
	workflowCounter += 1;
	return `wf-${workflowCounter}-${Date.now()}`;
}

/** Runs the Transak Trigger's webhook() with mocked n8n functions, as n8n's live webhook path does. */
export async function callWebhook(call: WebhookCall): Promise<WebhookAnswer> {
	const node = new TransakTrigger();
	const logs: string[] = [];
	let status = 200;
	let responseBody: unknown;
	const response = {
		status(code: number) {
			status = code;
			return response;
		},
		json(value: unknown) {
			responseBody = value;
			return response;
		},
		send(value: unknown) {
			responseBody = value;
			return response;
		},
		end() {
			return response;
		},
	};
	const log = (level: string) => (message: string, meta?: unknown) =>
		logs.push(`${level} ${message} ${meta === undefined ? '' : JSON.stringify(meta)}`);
	const parameters: IDataObject = { events: call.events ?? [], options: call.options ?? {} };
	const workflowId = call.workflowId ?? freshWorkflowId();
	const context = {
		getCredentials: async () => {
			call.onGetCredentials?.();
			return {
				environment: 'staging',
				apiKey: 'test-api-key',
				accessToken: ACCESS_TOKEN,
				apiSecret: API_SECRET,
				...call.credentials,
			};
		},
		getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
		getNode: () => ({
			id: 'node-1',
			name: 'Transak Trigger',
			type: 'n8n-nodes-transak.transakTrigger',
		}),
		getWorkflow: () => ({ id: workflowId, name: 'test', active: true }),
		getBodyData: () => call.body,
		getRequestObject: () => ({ body: call.body, rawBody: call.rawBody, headers: {} }),
		getResponseObject: () => response,
		getHeaderData: () => ({}),
		getMode: () => 'webhook',
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
	} as unknown as IWebhookFunctions;

	const result = await node.webhook.call(context);
	const items = (result.workflowData?.[0] ?? []).map((item) => item.json);
	if (result.workflowData !== undefined) responseBody = { message: 'Workflow was started' };
	return { result, status, responseBody, items, logs };
}
