import type { IncomingMessage } from 'http';

import { isObject } from '../model/guards';
import { MAX_TOKEN_LENGTH } from '../verification/jwt';

/** How long reading a body may take: Transak sends a few KB at once; a stalled sender gets 400. */
export const BODY_READ_TIMEOUT_MS = 10_000;

export interface UnparsedBody {
	raw?: Buffer;
	tooLarge: boolean;
	/** The sender stopped before the end (disconnected, or stalled past the time limit). */
	incomplete?: true;
}

/**
 * The raw bytes of a request that n8n left unread. n8n parses bodies for version 1 of a webhook
 * node and, from version 2, only JSON, text, form and XML bodies; anything else reaches the node
 * as an open stream. Reading stops past `limit` bytes, so an oversized body costs no memory, and
 * after `timeoutMs`. Never throws: a body cut off mid-way (the sender disconnected) is
 * `incomplete`, and nothing of it is used.
 */
export async function readUnparsedBody(
	request: IncomingMessage & { rawBody?: Buffer },
	limit: number,
	timeoutMs = BODY_READ_TIMEOUT_MS,
): Promise<UnparsedBody> {
	if (request.rawBody !== undefined) return { raw: request.rawBody, tooLarge: false };
	if (!request.readable || request.readableEnded) return { tooLarge: false };
	return await new Promise<UnparsedBody>((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		const finish = (result: UnparsedBody) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			request.off('data', onData);
			request.off('end', onEnd);
			request.off('close', onIncomplete);
			// Past the limit the rest is discarded unread, so that the sender gets its 413.
			if (result.tooLarge) request.resume();
			resolve(result);
		};
		const onData = (chunk: Buffer | string) => {
			size += chunk.length;
			if (size > limit) finish({ tooLarge: true });
			else chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
		};
		const onEnd = () => finish({ raw: Buffer.concat(chunks), tooLarge: false });
		// 'close' before 'end', or 'error' ("aborted"): the sender went away mid-body. The error
		// listener stays: an error event without one would be thrown.
		const onIncomplete = () => finish({ tooLarge: false, incomplete: true });
		const timer = setTimeout(onIncomplete, timeoutMs);
		request.on('data', onData);
		request.once('end', onEnd);
		request.on('error', onIncomplete);
		request.once('close', onIncomplete);
	});
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
