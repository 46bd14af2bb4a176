import type { IncomingMessage } from 'http';

import { isObject } from '../model/guards';
import { MAX_TOKEN_LENGTH } from '../verification/jwt';

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

/** The largest body read: a maximal token plus the JSON around it. */
export const MAX_BODY_BYTES = MAX_TOKEN_LENGTH + 1024;

/** n8n gives `{}` (or nothing) for a body it did not parse. */
export function isEmptyBody(body: unknown): boolean {
	return body === undefined || body === null || (isObject(body) && Object.keys(body).length === 0);
}

/** Reads `data` from a parsed body, or from the raw bytes when n8n did not parse them as JSON. */
export function extractToken(body: unknown, rawBody?: Buffer | string): unknown {
	if (isObject(body) && Object.prototype.hasOwnProperty.call(body, 'data')) return body.data;
	// n8n hands text/plain bodies over as a string.
	if (
		typeof body === 'string' &&
		body.length > 0 &&
		(rawBody === undefined || rawBody.length === 0)
	) {
		rawBody = body;
	}
	if (rawBody === undefined || rawBody.length === 0 || rawBody.length > MAX_BODY_BYTES) {
		return undefined;
	}
	try {
		const parsed: unknown = JSON.parse(rawBody.toString());
		return isObject(parsed) ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}
