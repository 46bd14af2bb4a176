/*
 * What a Pusher server says when it closes or refuses: close codes and reasons. The reasons are
 * the server's words, so they reach log lines and errors only quoted (text/serverText.ts).
 */
import { quoteServerText } from '../text/serverText';

export interface CloseInfo {
	code?: number;
	message?: string;
}

/** The close code and reason of a pusher-js connection error, where it carries them. */
export function closeInfo(error: unknown): CloseInfo {
	const data =
		(error as { data?: unknown; error?: { data?: unknown } } | undefined)?.data ??
		(error as { error?: { data?: unknown } } | undefined)?.error?.data;
	if (data === null || typeof data !== 'object') return {};
	const { code, message } = data as { code?: unknown; message?: unknown };
	return {
		code: typeof code === 'number' ? code : undefined,
		message: typeof message === 'string' && message !== '' ? message : undefined,
	};
}

/** `code 4200: "<the server's reason>"`: the reason comes from the server, so it is quoted. */
export function describeClose({ code, message }: CloseInfo): string {
	if (code === undefined) return '';
	return `code ${code}${message !== undefined ? `: ${quoteServerText(message)}` : ''}`;
}

/** Close codes after which the server asks for a delay (4100-4199 over capacity, 1002-1004 protocol errors). */
export function asksForBackoff(code: number | undefined): boolean {
	return code !== undefined && ((code >= 4100 && code < 4200) || (code >= 1002 && code <= 1004));
}

/** 4001-4099: the server refuses, and a retry with the same settings cannot succeed. */
export function isRefusal(code: number | undefined): boolean {
	return code !== undefined && code >= 4001 && code <= 4099;
}

/** The error a refused connection ends with, with a hint where the code names the cause. */
export function refusalError({ code, message }: CloseInfo): Error {
	const detail =
		code !== undefined
			? ` with code ${code}${message !== undefined ? ` (${quoteServerText(message)})` : ''}`
			: '';
	const hint =
		code === 4001 || code === 4003 || code === 4004
			? '. Check the App Key and Cluster options (and Websocket Host for a custom server)'
			: '';
	return new Error(`The Pusher server refused the connection${detail}${hint}`);
}

/** The error a refused subscription ends with: the server's text, quoted, or its status. */
export function subscriptionError(data: unknown): Error {
	let detail = '';
	if (data !== null && typeof data === 'object') {
		const { status, error } = data as { status?: unknown; error?: unknown };
		if (typeof error === 'string' && error !== '') detail = `: ${quoteServerText(error)}`;
		else if (typeof status === 'number' && Number.isFinite(status)) detail = ` (status ${status})`;
	}
	return new Error(`The Pusher server refused the subscription to the channel${detail}`);
}
