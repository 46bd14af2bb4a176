import { pusherOptions } from '../../../../../nodes/Transak/pusher/endpoint';

describe('pusherOptions', () => {
	it('keeps pusher-js on WebSocket transports and the configured host, stats off', () => {
		expect(pusherOptions({ appKey: 'k', cluster: 'ap2', forceTLS: true })).toEqual({
			cluster: 'ap2',
			forceTLS: true,
			enabledTransports: ['ws', 'wss'],
			enableStats: false,
		});
		expect(
			pusherOptions({
				appKey: 'k',
				cluster: 'x',
				forceTLS: false,
				wsHost: '127.0.0.1',
				wsPort: 6001,
				pongTimeoutMs: 500,
				activityTimeoutMs: 1000,
			}),
		).toEqual({
			cluster: 'x',
			forceTLS: false,
			enabledTransports: ['ws'],
			enableStats: false,
			wsHost: '127.0.0.1',
			wsPort: 6001,
			wssPort: 6001,
			pongTimeout: 500,
			activityTimeout: 1000,
		});
	});
});
