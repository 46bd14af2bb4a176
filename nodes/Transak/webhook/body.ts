import type { IncomingMessage } from 'http';

/**
 * The raw bytes of a request that n8n left unread. n8n parses bodies for version 1 of a webhook
 * node and, from version 2, only JSON, text, form and XML bodies; anything else reaches the node
 * as an open stream. Reading stops past `limit` bytes, so an oversized body costs no memory.
 */
export async function readUnparsedBody(
	request: IncomingMessage & { rawBody?: Buffer },
	limit: number,
): Promise<{ raw?: Buffer; tooLarge: boolean }> {
	if (request.rawBody !== undefined) return { raw: request.rawBody, tooLarge: false };
	if (!request.readable || request.readableEnded) return { tooLarge: false };
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request) {
		size += (chunk as Buffer).length;
		if (size > limit) return { tooLarge: true };
		chunks.push(chunk as Buffer);
	}
	return { raw: Buffer.concat(chunks), tooLarge: false };
}
