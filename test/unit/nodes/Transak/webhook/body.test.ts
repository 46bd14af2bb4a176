import type { IncomingMessage } from 'http';
import { Readable } from 'stream';

import { readUnparsedBody } from '../../../../../nodes/Transak/webhook/body';

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
