import * as http from 'http';
import type { IncomingMessage } from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';
import { Readable } from 'stream';

import { readUnparsedBody, type UnparsedBody } from '../../../../../nodes/Transak/webhook/body';

const stream = (chunks: string[]) =>
	Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;

describe('readUnparsedBody', () => {
	it('reads a body n8n left unread', async () => {
		const { raw, tooLarge } = await readUnparsedBody(stream(['{"data":', '"a.b.c"}']), 1024);
		expect(tooLarge).toBe(false);
		expect(raw?.toString()).toBe('{"data":"a.b.c"}');
	});

	it('stops past the limit', async () => {
		const { raw, tooLarge } = await readUnparsedBody(
			stream(['x'.repeat(600), 'y'.repeat(600)]),
			1000,
		);
		expect(tooLarge).toBe(true);
		expect(raw).toBeUndefined();
	});

	it('uses the raw body n8n kept, without reading again', async () => {
		const request = Object.assign(stream(['ignored']), { rawBody: Buffer.from('kept') });
		expect((await readUnparsedBody(request, 1000)).raw?.toString()).toBe('kept');
	});

	it('returns nothing for a stream already consumed', async () => {
		const request = stream([]);
		for await (const _ of request) void _;
		expect(await readUnparsedBody(request, 1000)).toEqual({ tooLarge: false });
	});
});

describe('readUnparsedBody over a real connection', () => {
	/** A server that reads each request's body with readUnparsedBody and reports the outcome. */
	async function bodyServer(timeoutMs?: number) {
		const outcomes: Array<Promise<UnparsedBody | Error>> = [];
		const server = http.createServer((request, response) => {
			outcomes.push(
				readUnparsedBody(request, 1024, timeoutMs).then(
					(outcome) => {
						response.end();
						return outcome;
					},
					(error: Error) => error,
				),
			);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		return { server, port, outcomes };
	}

	/** Sends the headers and `sent` of the `length` body bytes announced, then `then`. */
	function partialRequest(port: number, length: number, sent: string, then: 'destroy' | 'wait') {
		const socket = net.connect(port, '127.0.0.1');
		socket.on('error', () => undefined);
		socket.write(
			`POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n${sent}`,
		);
		if (then === 'destroy') setTimeout(() => socket.destroy(), 50);
		return socket;
	}

	const waitFor = async (outcomes: unknown[]) => {
		while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
	};

	it('a sender that disconnects mid-body: incomplete, never a throw', async () => {
		const { server, port, outcomes } = await bodyServer();
		partialRequest(port, 500, '{"data":"eyJhbGciOi', 'destroy');
		await waitFor(outcomes);
		expect(await outcomes[0]).toEqual({ tooLarge: false, incomplete: true });
		server.close();
	});

	it('a sender that stalls mid-body: incomplete after the time limit', async () => {
		const { server, port, outcomes } = await bodyServer(200);
		const socket = partialRequest(port, 500, '{"data":', 'wait');
		await waitFor(outcomes);
		const startedAt = Date.now();
		expect(await outcomes[0]).toEqual({ tooLarge: false, incomplete: true });
		expect(Date.now() - startedAt).toBeLessThan(2000);
		socket.destroy();
		server.close();
	});

	it('a whole body is read; one past the limit is refused and the sender still gets its answer', async () => {
		const { server, port, outcomes } = await bodyServer();
		const body = '{"data":"a.b.c"}';
		const answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body });
		expect(answer.status).toBe(200);
		expect(((await outcomes[0]) as UnparsedBody).raw?.toString()).toBe(body);
		const big = await fetch(`http://127.0.0.1:${port}/`, {
			method: 'POST',
			body: 'x'.repeat(50_000),
		});
		expect(big.status).toBe(200);
		expect(await outcomes[1]).toEqual({ tooLarge: true });
		server.close();
	});
});
