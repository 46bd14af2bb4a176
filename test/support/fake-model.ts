/**
 * A scripted OpenAI-compatible chat model on 127.0.0.1 (`POST /v1/chat/completions`), so that an
 * n8n AI Agent can run without a real model: the first answer of each conversation calls the tool
 * whose name matches `tool` with `args`, the next one answers with `reply(toolOutput)`. It records
 * every request, and with it what the model was shown: the tools, their descriptions and schemas.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface ChatRequest {
	messages: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
	tools?: Array<{
		type: string;
		function: { name: string; description?: string; parameters?: Record<string, unknown> };
	}>;
	[key: string]: unknown;
}

export interface FakeModel {
	url: string;
	requests: ChatRequest[];
	close(): Promise<void>;
}

export interface Script {
	/** Which offered tool to call. */
	tool: RegExp;
	args: Record<string, unknown>;
	/** The final answer, from the tool's output as the agent passed it back. */
	reply(toolOutput: string): string;
}

function completion(message: Record<string, unknown>, finishReason: string) {
	return {
		id: `chatcmpl-${Date.now()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: 'gpt-4o-mini',
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
	};
}

function answer(request: ChatRequest, script: Script) {
	const toolMessage = [...request.messages].reverse().find((m) => m.role === 'tool');
	if (toolMessage !== undefined) {
		const output =
			typeof toolMessage.content === 'string'
				? toolMessage.content
				: JSON.stringify(toolMessage.content);
		return completion({ role: 'assistant', content: script.reply(output) }, 'stop');
	}
	const tool = request.tools?.find((t) => script.tool.test(t.function.name));
	if (tool === undefined) {
		return completion({ role: 'assistant', content: 'No matching tool was offered.' }, 'stop');
	}
	return completion(
		{
			role: 'assistant',
			content: null,
			tool_calls: [
				{
					id: 'call_1',
					type: 'function',
					function: { name: tool.function.name, arguments: JSON.stringify(script.args) },
				},
			],
		},
		'tool_calls',
	);
}

export async function startFakeModel(script: Script): Promise<FakeModel> {
	const requests: ChatRequest[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			let status = 404;
			let body: unknown = { error: { message: `no route ${req.method} ${req.url}` } };
			if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) {
				const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
				requests.push(request);
				status = 200;
				body = answer(request, script);
			}
			const text = JSON.stringify(body);
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
