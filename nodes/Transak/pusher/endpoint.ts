import type { IDataObject } from 'n8n-workflow';
import type { Options } from 'pusher-js';

/**
 * Transak's Pusher app, the same for staging and production. Its key is public: Transak publishes
 * it for browsers and apps (it identifies the app, it does not authorise anything).
 */
export const TRANSAK_PUSHER = { app: '1d9ffac87de599c61283', cluster: 'ap2' } as const;

/** Where and how to connect; `wsHost`/`wsPort` point at any Pusher-protocol server. */
export interface PusherEndpoint {
	appKey: string;
	cluster: string;
	wsHost?: string;
	wsPort?: number;
	forceTLS: boolean;
	/** Idle time before the client sends `pusher:ping` (the server's activity_timeout wins if lower). */
	activityTimeoutMs?: number;
	/** How long to wait for the answer to a ping before reconnecting. */
	pongTimeoutMs?: number;
}

/**
 * pusher-js options for an endpoint. Only WebSocket transports: without `enabledTransports` a
 * failing socket falls back to HTTP streaming against pusher.com hosts, whatever `wsHost` says.
 * Stats off: nothing goes anywhere but the configured host.
 */
export function pusherOptions(endpoint: PusherEndpoint): Options {
	const options: Options = {
		cluster: endpoint.cluster,
		forceTLS: endpoint.forceTLS,
		enabledTransports: endpoint.forceTLS ? ['ws', 'wss'] : ['ws'],
		enableStats: false,
	};
	if (endpoint.wsHost) options.wsHost = endpoint.wsHost;
	if (endpoint.wsPort !== undefined && endpoint.wsPort > 0) {
		options.wsPort = endpoint.wsPort;
		options.wssPort = endpoint.wsPort;
	}
	if (endpoint.activityTimeoutMs !== undefined && endpoint.activityTimeoutMs > 0) {
		options.activityTimeout = endpoint.activityTimeoutMs;
	}
	if (endpoint.pongTimeoutMs !== undefined && endpoint.pongTimeoutMs > 0) {
		options.pongTimeout = endpoint.pongTimeoutMs;
	}
	return options;
}

function seconds(value: unknown): number | undefined {
	const n = Number(value);
	return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : undefined;
}

/** The endpoint the trigger's `options` collection describes; Transak's own where they are empty. */
export function endpointFromOptions(options: IDataObject): PusherEndpoint {
	return {
		appKey: String(options.appKey || TRANSAK_PUSHER.app).trim(),
		cluster: String(options.cluster || TRANSAK_PUSHER.cluster).trim(),
		wsHost:
			typeof options.wsHost === 'string' && options.wsHost.trim()
				? options.wsHost.trim()
				: undefined,
		wsPort: Number(options.wsPort) > 0 ? Number(options.wsPort) : undefined,
		forceTLS: options.forceTLS !== false,
		activityTimeoutMs: seconds(options.activityTimeout),
		pongTimeoutMs: seconds(options.pongTimeout),
	};
}
