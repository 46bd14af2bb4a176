import { createHash } from 'crypto';

import { PusherChannelClient, type ChannelHandlers } from './client';
import type { PusherEndpoint } from './endpoint';
import type { ClientLogger } from './log';

/*
 * One Pusher connection per API key and endpoint in a process.
 *
 * Several workflows often follow the same Transak API key (one posts to a chat, another updates a
 * CRM). A connection each would mean as many sockets to Transak's Pusher app, and every frame read
 * and parsed once per workflow. So triggers join a shared connection by (API key, endpoint);
 * triggers on the same channel share its subscription, and each channel event is handed to every
 * trigger on it. What stays per trigger is everything that decides what runs:
 * verification with its own credential's keys, its event filter, its de-duplication, its recovery
 * after a gap and its errors. The connection closes when its last trigger leaves.
 *
 * Failures stay where they belong: a trigger that fails (a handler that throws, a rotation error)
 * leaves the others alone; a refused subscription fails the triggers on that channel; only a
 * connection that cannot go on (a refusal by the server) fails every trigger on it, each reporting
 * it once, and the next activation opens a fresh connection.
 */

/** One trigger on a shared channel. */
export interface ChannelMember extends ChannelHandlers {
	/** Where the connection's own lines go while this trigger is the oldest on it. */
	readonly log: ClientLogger;
}

/** A trigger's place on a shared connection. */
export interface ChannelLease {
	/** Leaves the channel (and closes the connection if it was the last). Safe to call twice. */
	release(): void;
}

interface Member {
	readonly handlers: ChannelMember;
	/** A re-subscription cannot report a gap from before the trigger joined. */
	readonly joinedAt: number;
}

/** Connections by key: module state, so one per n8n process (each process loads the package once). */
const connections = new Map<string, SharedConnection>();

/** The connection key: the API key and every connection option (hashed: no key in memory maps). */
export function connectionKey(apiKey: string, endpoint: PusherEndpoint): string {
	return createHash('sha256')
		.update(
			JSON.stringify([
				apiKey,
				endpoint.appKey,
				endpoint.cluster,
				endpoint.wsHost ?? null,
				endpoint.wsPort ?? null,
				endpoint.forceTLS,
				endpoint.activityTimeoutMs ?? null,
				endpoint.pongTimeoutMs ?? null,
			]),
		)
		.digest('hex');
}

class SharedConnection {
	private readonly channels = new Map<string, Set<Member>>();

	private readonly client: PusherChannelClient;

	constructor(
		private readonly key: string,
		endpoint: PusherEndpoint,
	) {
		const line =
			(level: keyof ClientLogger) =>
			(message: string): void => {
				const oldest = this.oldest();
				try {
					oldest?.handlers.log[level](message);
				} catch {
					// A logger must never break the connection.
				}
			};
		this.client = new PusherChannelClient(endpoint, {
			debug: line('debug'),
			info: line('info'),
			warn: line('warn'),
		});
	}

	get closed(): boolean {
		return this.client.isClosed;
	}

	private oldest(): Member | undefined {
		for (const members of this.channels.values()) for (const member of members) return member;
		return undefined;
	}

	join(channelName: string, handlers: ChannelMember): ChannelLease {
		const member: Member = { handlers, joinedAt: Date.now() };
		let members = this.channels.get(channelName);
		if (members === undefined) {
			members = new Set();
			this.channels.set(channelName, members);
			this.client.subscribe(channelName, this.fanOut(channelName));
		}
		members.add(member);
		this.client.start();
		return { release: () => this.leave(channelName, member) };
	}

	private leave(channelName: string, member: Member): void {
		const members = this.channels.get(channelName);
		if (members === undefined || !members.delete(member)) return;
		if (members.size === 0) {
			this.channels.delete(channelName);
			this.client.unsubscribe(channelName);
		}
		if (this.channels.size === 0) this.close();
	}

	private close(): void {
		this.client.close();
		if (connections.get(this.key) === this) connections.delete(this.key);
	}

	/** The channel's handlers: each member in turn, none able to keep the others from an event. */
	private fanOut(channelName: string): ChannelHandlers {
		const each = (call: (member: Member) => void): void => {
			for (const member of [...(this.channels.get(channelName) ?? [])]) {
				try {
					call(member);
				} catch {
					// The member's own handlers report their failures; the others still get the event.
				}
			}
		};
		return {
			onEvent: (name, data) => each((m) => m.handlers.onEvent(name, data)),
			onSubscribed: (missedSince) =>
				each((m) =>
					m.handlers.onSubscribed(
						missedSince === undefined ? undefined : Math.max(missedSince, m.joinedAt),
					),
				),
			onFatal: (error) => {
				// The client has unsubscribed the channel (or closed): its members go with it.
				const members = [...(this.channels.get(channelName) ?? [])];
				this.channels.delete(channelName);
				if (this.channels.size === 0 || this.closed) this.close();
				for (const member of members) {
					try {
						member.handlers.onFatal(error);
					} catch {
						// Each member reports its own error; one that throws silences no other.
					}
				}
			},
		};
	}
}

/**
 * Joins `channelName` on the process's connection for (apiKey, endpoint), opening it if needed.
 * Events reach `member` until the lease is released or a fatal error is reported to it.
 */
export function joinChannel(
	apiKey: string,
	endpoint: PusherEndpoint,
	channelName: string,
	member: ChannelMember,
): ChannelLease {
	const key = connectionKey(apiKey, endpoint);
	let connection = connections.get(key);
	if (connection === undefined || connection.closed) {
		connection = new SharedConnection(key, endpoint);
		connections.set(key, connection);
	}
	return connection.join(channelName, member);
}
