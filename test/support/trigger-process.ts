/**
 * The Transak Trigger as separate n8n processes would run it: each "process" is a fresh module
 * registry (its own in-process window and Redis connection), and each delivery gets an
 * express-like response that n8n "answers" when the test says so, as n8n does once it has queued
 * (or failed to queue) the execution.
 */
import { EventEmitter } from 'events';

import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

type TriggerModule = typeof import('../../nodes/Transak/TransakTrigger.node');

type WindowModule = typeof import('../../nodes/Transak/webhook/sharedWindow');
const windowModules: WindowModule[] = [];

/** A fresh copy of the node's modules, as another n8n process has. */
export function nodeProcess(): TriggerModule {
	let loaded: TriggerModule | undefined;
	jest.isolateModules(() => {
		loaded = require('../../nodes/Transak/TransakTrigger.node') as TriggerModule;
		windowModules.push(require('../../nodes/Transak/webhook/sharedWindow') as WindowModule);
	});
	return loaded!;
}

/** Closes the Redis connections of every "process" started so far. */
export function closeProcesses(): void {
	for (const module of windowModules.splice(0)) module.closeSharedWindows();
}

export class FakeResponse extends EventEmitter {
	statusCode = 200;
	headersSent = false;
	body: unknown;
	status(code: number) {
		this.statusCode = code;
		return this;
	}
	json(value: unknown) {
		this.body = value;
		return this;
	}
	end() {
		this.headersSent = true;
		this.emit('finish');
		this.emit('close');
		return this;
	}
	/** What n8n does after webhook() returned workflowData: answer once the execution is queued. */
	n8nAnswers(status: number) {
		this.statusCode = status;
		this.end();
	}
}

export interface Delivery {
	result: IWebhookResponseData;
	response: FakeResponse;
	/** `<level> <message>` lines the node logged. */
	logs: string[];
}

export const started = (d: Delivery) => d.result.workflowData !== undefined;

/** One delivery of `body` to `proc`'s webhook(), for workflow `workflowId` (node id `node-1`). */
export async function deliver(
	proc: TriggerModule,
	body: unknown,
	workflowId: string,
	{ accessToken, options = {} }: { accessToken: string; options?: Record<string, unknown> },
): Promise<Delivery> {
	const response = new FakeResponse();
	const logs: string[] = [];
	const log = (level: string) => (message: string) => logs.push(`${level} ${message}`);
	const parameters: Record<string, unknown> = { events: [], options };
	const context = {
		getCredentials: async () => ({ environment: 'staging', apiKey: 'k', accessToken }),
		getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
		getNode: () => ({ id: 'node-1', name: 'Transak Trigger', type: 'transakTrigger' }),
		getWorkflow: () => ({ id: workflowId, name: 'test', active: true }),
		getBodyData: () => body,
		getRequestObject: () => ({ body, headers: {} }),
		getResponseObject: () => response,
		getMode: () => 'webhook',
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
	} as unknown as IWebhookFunctions;
	const result = await new proc.TransakTrigger().webhook.call(context);
	return { result, response, logs };
}
