/**
 * The Transak Trigger as separate n8n processes would run it: each "process" is a fresh module
 * registry (its own in-process window and Redis connection), and each delivery goes through the
 * unit tests' n8n webhook context with n8n's answer left to the test, as n8n answers once it has
 * queued (or failed to queue) the execution.
 */
import type { IDataObject, IWebhookResponseData } from 'n8n-workflow';

import type { FakeResponse } from '../unit/support/n8n';
import { callWebhook } from '../unit/support/webhook';

type TriggerModule = typeof import('../../nodes/Transak/TransakTrigger.node');

/** A fresh copy of the node's modules, as another n8n process has. */
export function nodeProcess(): TriggerModule {
	let loaded: TriggerModule | undefined;
	jest.isolateModules(() => {
		loaded = require('../../nodes/Transak/TransakTrigger.node') as TriggerModule;
	});
	return loaded!;
}

export interface Delivery {
	result: IWebhookResponseData;
	response: FakeResponse;
	/** `<level> <message>` lines the node logged. */
	logs: string[];
}

export const started = (d: Delivery) => d.result.workflowData !== undefined;

/** One delivery of `body` to `proc`'s webhook(), for workflow `workflowId`. */
export async function deliver(
	proc: TriggerModule,
	body: unknown,
	workflowId: string,
	{ accessToken, options = {} }: { accessToken: string; options?: IDataObject },
): Promise<Delivery> {
	const answer = await callWebhook({
		node: proc.TransakTrigger,
		body,
		workflowId,
		options,
		credentials: { accessToken, apiSecret: '' },
		n8nAnswers: false,
	});
	return {
		result: answer.result,
		response: answer.response,
		logs: answer.logs.map(({ level, message }) => `${level} ${message}`),
	};
}
