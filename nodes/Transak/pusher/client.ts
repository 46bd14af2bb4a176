import type Pusher from 'pusher-js';
import type { Channel } from 'pusher-js';

import {
	closeInfo,
	describeClose,
	isRefusal,
	refusalError,
	subscriptionError,
	type CloseInfo,
} from './closes';
import { pusherOptions, type PusherEndpoint } from './endpoint';
import { handlerGuard, shieldConnection, shieldTransport } from './frames';
import type { ClientLogger } from './log';
import { createPusher } from './globals';
import { afterClose, ConnectWatchdog } from './reconnect';
import { ConnectionStability } from './stability';

export interface ChannelHandlers {
	/** A channel event other than `pusher:*` / `pusher_internal:*`, data as pusher-js decoded it. */
	onEvent(eventName: string, data: unknown): void;
	/**
	 * The subscription succeeded. `missedSince` is set on every re-subscription: the time the
	 * previous connection was last heard from, i.e. since when events may have been lost.
	 */
	onSubscribed(missedSince: number | undefined): void;
	/**
	 * A state pusher-js will not leave by itself: the connection's (every channel gets it) or this
	 * channel's (a refused subscription). Called at most once, after the channel is unsubscribed.
	 */
	onFatal(error: Error): void;
}

/** One channel of the connection. */
interface Subscription {
	readonly handlers: ChannelHandlers;
	channel: Channel | undefined;
	/** Subscribed before: every later subscription follows a gap in which events may have been missed. */
	subscribedBefore: boolean;
	/** Since when this channel may have missed events (set on a drop, cleared on re-subscription). */
	missedSince: number | undefined;
	readonly onChannelEvent: (eventName: unknown, data: unknown) => void;
}

/**
 * One pusher-js client (one connection) and the channels subscribed on it, for a long-running
 * process.
 *
 * - `close()` unbinds, unsubscribes, disconnects and removes what pusher-js keeps globally: its
 *   `Pusher.instances` entry and the `online`/`offline` handlers each instance binds on the global
 *   network object (pusher-js never removes either).
 * - After an abrupt drop the client reconnects at once, and while the server is down it retries on a
 *   shorter backoff than pusher-js's (see reconnect.ts), through the public disconnect/connect API.
 * - A connection that flaps (see stability.ts) reconnects after growing delays, and its
 *   per-reconnect log lines give way to one summary line a minute.
 * - `failed`, and `disconnected` not caused by `close()` (a refusal, close codes 4001-4099 and
 *   4300+), close the client and call every channel's `onFatal` once; a refused subscription
 *   unsubscribes and fails that channel only.
 * - Every handler pusher-js calls catches what it throws: pusher-js would let it escape.
 */
export class PusherChannelClient {
	private pusher: Pusher | undefined;

	private readonly subscriptions = new Map<string, Subscription>();

	private closed = false;

	private selfDisconnecting = false;

	private lastHeardAt = Date.now();

	private lastClose: CloseInfo = {};

	private lastFastReconnectAt = 0;

	/** Restarts an attempt pusher-js is stuck in (server down). */
	private readonly watchdog = new ConnectWatchdog((waitedMs) => {
		const state = this.pusher?.connection.state;
		if (this.closed || (state !== 'connecting' && state !== 'unavailable')) return;
		this.log.debug(`Pusher not connected after ${waitedMs} ms; trying again`);
		this.restart();
	});

	private fastReconnect: NodeJS.Immediate | undefined;

	private outageLogged = false;

	private dropLogged = false;

	private readonly stability = new ConnectionStability();

	/** While flapping: the pause before the next connection attempt. */
	private holdOff: NodeJS.Timeout | undefined;

	/** The pause has begun: the connection is down until holdOff connects it again. */
	private holding = false;

	/** A disconnect deferred until pusher-js has left the state change it is in. */
	private holdAgain: NodeJS.Immediate | undefined;

	/** Ends a flapping streak once a connection has stayed up long enough. */
	private stableCheck: NodeJS.Timeout | undefined;

	/** Wraps every handler pusher-js calls (see frames.ts). */
	private readonly guarded = handlerGuard({
		debug: (m) => this.log.debug(m),
		info: (m) => this.log.info(m),
		warn: (m) => this.log.warn(m),
	});

	/** Removes what pusher-js keeps globally for this client. */
	private releaseGlobals: (() => void) | undefined;

	constructor(
		private readonly endpoint: PusherEndpoint,
		private readonly log: ClientLogger,
	) {}

	/** Closed, by close() or a failure of the connection: it subscribes nothing more. */
	get isClosed(): boolean {
		return this.closed;
	}

	/** Subscribes one more channel (once: a channel held already is left as it is). */
	subscribe(channelName: string, handlers: ChannelHandlers): void {
		if (this.closed || this.subscriptions.has(channelName)) return;
		const subscription: Subscription = {
			handlers,
			channel: undefined,
			subscribedBefore: false,
			missedSince: undefined,
			onChannelEvent: this.guarded('channel event', (eventName: unknown, data: unknown): void =>
				this.onChannelEvent(channelName, subscription, eventName, data),
			),
		};
		this.subscriptions.set(channelName, subscription);
		if (this.pusher !== undefined) this.attach(this.pusher, channelName, subscription);
	}

	/** Unsubscribes one channel; its handlers get nothing more. */
	unsubscribe(channelName: string): void {
		const subscription = this.subscriptions.get(channelName);
		if (subscription === undefined) return;
		this.subscriptions.delete(channelName);
		subscription.channel?.unbind_all();
		subscription.channel = undefined;
		if (!this.closed) this.pusher?.unsubscribe(channelName);
	}

	private attach(pusher: Pusher, channelName: string, subscription: Subscription): void {
		const channel = pusher.subscribe(channelName);
		subscription.channel = channel;
		channel.bind_global(subscription.onChannelEvent);
	}

	/** Connects and subscribes; events arrive through the handlers. */
	start(): void {
		if (this.pusher !== undefined || this.closed) return;
		const { pusher, release } = createPusher(this.endpoint.appKey, pusherOptions(this.endpoint));
		this.pusher = pusher;
		this.releaseGlobals = release;

		const connection = pusher.connection;
		shieldConnection(pusher, this.guarded, this.log);
		connection.bind('state_change', this.onStateChange);
		connection.bind('error', this.onError);
		connection.bind('connecting_in', this.onConnectingIn);
		connection.bind('message', this.onMessage);

		for (const [name, subscription] of this.subscriptions) this.attach(pusher, name, subscription);
		// The constructor entered `connecting` before any listener could see it.
		this.onStateChange({ previous: 'initialized', current: connection.state });
	}

	/** Stops everything this client started. Safe to call more than once. */
	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.clearTimers();
		const pusher = this.pusher;
		if (pusher === undefined) return;
		for (const [name, subscription] of this.subscriptions) {
			subscription.channel?.unbind_all();
			subscription.channel = undefined;
			pusher.unsubscribe(name);
		}
		const connection = pusher.connection;
		connection.unbind('state_change', this.onStateChange);
		connection.unbind('error', this.onError);
		connection.unbind('connecting_in', this.onConnectingIn);
		connection.unbind('message', this.onMessage);
		pusher.unbind_all();
		this.disconnectQuietly(pusher);
		this.releaseGlobals?.();
		this.releaseGlobals = undefined;
		this.pusher = undefined;
	}

	private clearTimers(): void {
		this.watchdog.clear();
		if (this.fastReconnect !== undefined) clearImmediate(this.fastReconnect);
		if (this.holdOff !== undefined) clearTimeout(this.holdOff);
		if (this.holdAgain !== undefined) clearImmediate(this.holdAgain);
		if (this.stableCheck !== undefined) clearTimeout(this.stableCheck);
		this.fastReconnect = undefined;
		this.holdOff = undefined;
		this.holdAgain = undefined;
		this.holding = false;
		this.stableCheck = undefined;
	}

	private readonly onMessage = this.guarded('message', (): void => {
		this.lastHeardAt = Date.now();
	});

	private readonly onError = this.guarded('connection error', (error: unknown): void => {
		const info = closeInfo(error);
		// pusher-js reports one close twice (as the close and as the action it takes).
		const repeated =
			info.code !== undefined &&
			info.code === this.lastClose.code &&
			info.message === this.lastClose.message;
		if (info.code !== undefined) this.lastClose = info;
		if (!repeated && !this.stability.flapping) {
			this.log.debug(
				`Pusher connection error${info.code !== undefined ? ` (${describeClose(info)})` : ''}`,
			);
		}
		// 4001-4099: the server is about to close and a retry with the same settings cannot succeed.
		// Closing now, while the socket is still open, ends it with a clean close handshake.
		if (isRefusal(info.code)) this.fail(refusalError(this.lastClose));
	});

	/** Once per drop: what happened (never a secret: close codes and the server's reason, quoted). */
	private noteDrop(): void {
		if (this.dropLogged || this.stability.flapping) return;
		this.dropLogged = true;
		const why = describeClose(this.lastClose);
		this.log.info(`Pusher connection lost${why ? ` (${why})` : ''}; reconnecting`);
	}

	/** Counts the drop towards flapping; while flapping, holds the next attempt back. */
	private onDrop(): void {
		if (this.stableCheck !== undefined) clearTimeout(this.stableCheck);
		this.stableCheck = undefined;
		// A hold is under way for an earlier drop: what pusher-js reconnected before the hold took
		// effect (a busy event loop), and the hold's own disconnect, belong to that drop. Counted,
		// they would push the next attempt out by doublings, up to the longest delay.
		if (this.holdOff !== undefined) return;
		const why = describeClose(this.lastClose);
		const drop = this.stability.dropped(Date.now(), why ? ` (last: ${why})` : '');
		if (drop.line !== undefined) this.log[drop.line.level](drop.line.message);
		if (drop.delayMs > 0) this.holdReconnect(drop.delayMs);
	}

	/**
	 * Disconnects and connects again after `delayMs`. Deferred: pusher-js is inside its own state
	 * change and about to start an attempt (or to arm a retry), which disconnect() then cancels.
	 */
	private holdReconnect(delayMs: number): void {
		if (this.holdOff !== undefined) return;
		if (this.fastReconnect !== undefined) clearImmediate(this.fastReconnect);
		this.fastReconnect = undefined;
		this.holdOff = setTimeout(() => {
			const pusher = this.pusher;
			if (this.closed || pusher === undefined) return;
			this.disconnectQuietly(pusher);
			this.holding = true;
			this.holdOff = setTimeout(() => {
				this.holdOff = undefined;
				this.holding = false;
				if (!this.closed) this.pusher?.connect();
			}, delayMs);
		}, 0);
	}

	/**
	 * pusher-js connecting during the pause: a retry timer of its own that disconnect() could not
	 * cancel (after a close it arms one, then a second in its place, and clears only the second).
	 * Disconnected again once pusher-js has left its state change, so the pause holds.
	 */
	private keepHolding(): void {
		if (this.holdAgain !== undefined) return;
		this.holdAgain = setImmediate(() => {
			this.holdAgain = undefined;
			const pusher = this.pusher;
			if (this.closed || !this.holding || pusher === undefined) return;
			this.disconnectQuietly(pusher);
		});
	}

	private readonly onStateChange = this.guarded(
		'connection state change',
		(change: { previous: string; current: string }): void => {
			if (this.closed) return;
			const { previous, current } = change;
			if (previous === 'connected' && current !== 'connected') {
				for (const subscription of this.subscriptions.values()) {
					if (subscription.missedSince === undefined) subscription.missedSince = this.lastHeardAt;
				}
				this.onDrop();
				if (!this.selfDisconnecting && current !== 'disconnected') this.noteDrop();
			}
			this.enter(current);
		},
	);

	private enter(current: string): void {
		switch (current) {
			case 'connected':
				this.watchdog.reset();
				if (this.outageLogged) this.log.info('Pusher server reachable again');
				this.outageLogged = false;
				this.dropLogged = false;
				this.lastClose = {};
				shieldTransport(this.pusher, this.log);
				this.stability.connected(Date.now());
				this.stableCheck = setTimeout(() => {
					this.stableCheck = undefined;
					const line = this.stability.settled(Date.now());
					if (line !== undefined) this.log[line.level](line.message);
				}, this.stability.shortLivedMs);
				return;
			case 'connecting':
				if (this.holding) {
					this.keepHolding();
					return;
				}
			// falls through
			case 'unavailable':
				if (current === 'unavailable' && !this.outageLogged) {
					this.outageLogged = true;
					this.log.warn('Pusher server unreachable; still retrying');
				}
				this.watchdog.arm();
				return;
			case 'failed':
				this.fail(
					new Error(
						'Pusher connection failed: no WebSocket transport is available for these connection options',
					),
				);
				return;
			case 'disconnected':
				if (this.selfDisconnecting) return;
				this.fail(refusalError(this.lastClose));
				return;
			default:
				return;
		}
	}

	/** pusher-js is about to wait before reconnecting after a close: reconnect now when allowed. */
	private readonly onConnectingIn = this.guarded(
		'reconnect delay',
		(delaySeconds: unknown): void => {
			if (this.closed || !(Number(delaySeconds) > 0)) return;
			const now = Date.now();
			this.noteDrop();
			const choice = afterClose(
				this.lastClose.code,
				this.stability.flapping,
				now - this.lastFastReconnectAt,
			);
			if (choice === 'backoff') {
				this.log.info(`Pusher server asked to back off; reconnecting in ${String(delaySeconds)} s`);
			} else if (choice === 'wait') {
				this.log.debug(
					`Reconnecting after pusher-js's ${String(delaySeconds)} s delay (reconnected at once less than 10 s ago)`,
				);
			}
			if (choice !== 'now') return;
			this.lastFastReconnectAt = now;
			this.log.debug(
				`Reconnecting at once instead of after pusher-js's ${String(delaySeconds)} s delay`,
			);
			// Deferred: pusher-js arms its retry timer right after this event; disconnect() clears it.
			if (this.fastReconnect === undefined) {
				this.fastReconnect = setImmediate(() => {
					this.fastReconnect = undefined;
					// Still waiting on its own timer (it reports `connected` until the timer fires).
					if (!this.closed && this.pusher?.connection.state === 'connected') this.restart();
				});
			}
		},
	);

	/** A fresh connection attempt through the public API; channels are re-subscribed on connect. */
	private restart(): void {
		const pusher = this.pusher;
		if (pusher === undefined || this.closed) return;
		this.disconnectQuietly(pusher);
		if (!this.closed) pusher.connect();
	}

	/** Disconnects without taking the `disconnected` state for a refusal. */
	private disconnectQuietly(pusher: Pusher): void {
		// Our own disconnect: the watchdog must not restart what it ended.
		this.watchdog.clear();
		this.selfDisconnecting = true;
		try {
			pusher.disconnect();
		} finally {
			this.selfDisconnecting = false;
		}
	}

	private onChannelEvent(
		channelName: string,
		subscription: Subscription,
		eventName: unknown,
		data: unknown,
	): void {
		if (this.closed || typeof eventName !== 'string') return;
		if (this.subscriptions.get(channelName) !== subscription) return;
		if (eventName === 'pusher:subscription_succeeded') {
			const missedSince = subscription.subscribedBefore
				? (subscription.missedSince ?? this.lastHeardAt)
				: undefined;
			subscription.subscribedBefore = true;
			subscription.missedSince = undefined;
			if (missedSince === undefined) this.log.debug('Subscribed');
			else if (!this.stability.flapping)
				this.log.info(
					`Re-subscribed, ${Math.round((Date.now() - missedSince) / 100) / 10} s after the connection was last heard from`,
				);
			subscription.handlers.onSubscribed(missedSince);
			return;
		}
		if (eventName === 'pusher:subscription_error') {
			// This channel only: the connection and its other channels go on.
			this.unsubscribe(channelName);
			subscription.handlers.onFatal(subscriptionError(data));
			return;
		}
		if (eventName.startsWith('pusher:') || eventName.startsWith('pusher_internal:')) return;
		subscription.handlers.onEvent(eventName, data);
	}

	/** The connection cannot go on: closed, then every channel is told (each handler guarded). */
	private fail(error: Error): void {
		if (this.closed) return;
		const subscriptions = [...this.subscriptions.values()];
		this.close();
		this.subscriptions.clear();
		for (const subscription of subscriptions) {
			try {
				subscription.handlers.onFatal(error);
			} catch {
				// One channel's failure never keeps the others from hearing of it.
			}
		}
	}
}
