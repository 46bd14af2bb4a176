/** Runs the Transak Trigger's webhook() with the n8n context of ./n8n.ts, as n8n's live webhook path does. */
import type { IDataObject, IWebhookResponseData } from 'n8n-workflow';

import { TransakTrigger } from '../../../nodes/Transak/TransakTrigger.node';
import { webhookContext, type FakeResponse, type LogLine } from './n8n';

export const ACCESS_TOKEN = 'test-access-token-0123456789abcdef';
export const API_SECRET = 'test-api-secret-fedcba9876543210';

export interface WebhookCall {
	body?: unknown;
	rawBody?: Buffer;
	events?: string[];
	options?: IDataObject;
	/** Other parameters of the node, e.g. personalData. */
	parameters?: IDataObject;
	/** Overrides of the credential's data. */
	credentials?: IDataObject;
	workflowId?: string;
	/** Called on every credential read, to count them. */
	onGetCredentials?: () => void;
	/** The node class, e.g. from a fresh copy of its modules. */
	node?: typeof TransakTrigger;
	response?: FakeResponse;
	/** n8n's execution mode: `webhook` (a production URL, the default) or `manual` (the test URL). */
	mode?: 'webhook' | 'manual';
	/**
	 * n8n's answer once a workflow started (default 200, as n8n gives once the execution is under
	 * way); false leaves the answer to the test (`response.n8nAnswers`).
	 */
	n8nAnswers?: number | false;
}

export interface WebhookAnswer {
	/** What the node returned to n8n. */
	result: IWebhookResponseData;
	/** The HTTP status the caller sees: the node's own answer, or n8n's 200 when a workflow starts. */
	status: number;
	responseBody: unknown;
	/** Items handed to n8n (empty when no execution starts). */
	items: IDataObject[];
	logs: LogLine[];
	response: FakeResponse;
}

let workflowCounter = 0;
/** A fresh workflow id per test keeps each test's de-duplication window its own. */
export function freshWorkflowId(): string {
	workflowCounter += 1;
	return `wf-${workflowCounter}-${Date.now()}`;
}

export async function callWebhook(call: WebhookCall): Promise<WebhookAnswer> {
	const { context, recorded } = webhookContext({
		body: call.body,
		rawBody: call.rawBody,
		parameters: { events: call.events ?? [], options: call.options ?? {}, ...call.parameters },
		credentials: {
			environment: 'staging',
			apiKey: 'test-api-key',
			accessToken: ACCESS_TOKEN,
			apiSecret: API_SECRET,
			...call.credentials,
		},
		workflowId: call.workflowId ?? freshWorkflowId(),
		onGetCredentials: call.onGetCredentials,
		response: call.response,
		mode: call.mode,
	});
	const Node = call.node ?? TransakTrigger;
	const result = await new Node().webhook.call(context);
	const items = (result.workflowData?.[0] ?? []).map((item) => item.json);
	const { response } = recorded;
	const started = result.workflowData !== undefined;
	if (started && call.n8nAnswers !== false) response.n8nAnswers(call.n8nAnswers ?? 200);
	return {
		result,
		status: response.statusCode,
		responseBody: started ? { message: 'Workflow was started' } : response.body,
		items,
		logs: recorded.logs,
		response,
	};
}
