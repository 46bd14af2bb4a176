/*
 * Guards between the network and pusher-js. pusher-js calls handlers inside its own event
 * dispatch and lets what they throw escape into the socket's message handling, and some of its own
 * code throws on frames no Pusher server sends; either breaks the connection. Here such frames are
 * dropped before pusher-js reads them, and a handler that throws ends with one log line.
 */
import type Pusher from 'pusher-js';

import { MAX_DEPTH, textNestsDeeperThan } from '../model/sanitize';
import { type ClientLogger, warnOnce } from './log';

/** The frame around an event's data, and JSON encoded in its strings, take a few more levels. */
const MAX_FRAME_DEPTH = MAX_DEPTH + 20;

/** What pusher-js dispatches connection events with (its `Dispatcher.emit`). */
interface Dispatching {
	emit(name: string, data?: unknown): unknown;
}

/** A frame as pusher-js decoded it, with what its handlers rely on: a string event name. */
function isFrame(data: unknown): boolean {
	if (data === null || typeof data !== 'object') return false;
	const { event, channel } = data as { event?: unknown; channel?: unknown };
	return typeof event === 'string' && (channel === undefined || typeof channel === 'string');
}

export type Guard = <A extends unknown[]>(
	what: string,
	handler: (...args: A) => void,
) => (...args: A) => void;

/**
 * Wraps handlers for pusher-js: what one throws is logged (at warn the first time, then at debug)
 * and goes no further. Only the error's name is logged: its message may quote the payload.
 */
export function handlerGuard(log: ClientLogger): Guard {
	const report = warnOnce((level, m) => log[level](m), '; further ones are logged at debug level');
	return (what, handler) =>
		(...args) => {
			try {
				handler(...args);
			} catch (error) {
				const name = error instanceof Error ? error.name : typeof error;
				report(`Ignored a ${what} that could not be handled (${name})`);
			}
		};
}

/**
 * pusher-js hands every frame to its own handlers first, and some throw on a frame whose event
 * name is not a string. Such frames are dropped before pusher-js sees them, and whatever one of
 * its handlers still throws ends with one log line.
 */
export function shieldConnection(pusher: Pusher, guard: Guard, log: ClientLogger): void {
	const connection = pusher.connection as unknown as Dispatching;
	const dispatch = connection.emit.bind(connection);
	const guardedDispatch = guard('frame', (name: string, data?: unknown) => {
		dispatch(name, data);
	});
	connection.emit = (name: string, data?: unknown) => {
		if (name === 'message' && !isFrame(data)) {
			log.debug('Ignored a frame without an event name');
			return connection;
		}
		guardedDispatch(name, data);
		return connection;
	};
}

/**
 * pusher-js logs every frame it receives, building the log text whether or not logging is on,
 * with recursive code that overflows the stack on data nested a few thousand levels deep. Frames
 * that may nest deeper than any item can (MAX_DEPTH, plus the frame around the data) are dropped
 * before pusher-js reads them. The transport is pusher-js's own, reached once it connects.
 */
export function shieldTransport(pusher: Pusher | undefined, log: ClientLogger): void {
	const manager = pusher?.connection as unknown as
		{ connection?: { transport?: Dispatching } | null } | undefined;
	const transport = manager?.connection?.transport;
	if (transport === undefined || typeof transport.emit !== 'function') return;
	const dispatch = transport.emit.bind(transport);
	transport.emit = (name: string, data?: unknown) => {
		const text = (data as { data?: unknown } | undefined)?.data;
		if (
			name === 'message' &&
			typeof text === 'string' &&
			textNestsDeeperThan(text, MAX_FRAME_DEPTH)
		) {
			log.debug(`Ignored a frame nested deeper than ${MAX_DEPTH} levels`);
			return transport;
		}
		return dispatch(name, data);
	};
}
