/**
 * The pure parts of the WebSocket trigger: channel names, reading Pusher event data, event IDs
 * for statuses, pusher-js options, and what recovery asks the partner API and keeps.
 */
import type { IDataObject } from 'n8n-workflow';

import { JwtVerifier } from '../../nodes/Transak/verification/jwt';
import { TRANSAK_PUSHER, pusherOptions } from '../../nodes/Transak/pusher/endpoint';
import { TransakWebSocketTrigger } from '../../nodes/Transak/TransakWebSocketTrigger.node';
import { channelFor, parsePusherEvent } from '../../nodes/Transak/pusher/channels';
import { resolveEventID } from '../../nodes/Transak/model/decode';
import { eventIdForStatus } from '../../nodes/Transak/model/statuses';
import {
	fetchMissedEvents,
	orderChangedAt,
	type RecoveryApi,
} from '../../nodes/Transak/pusher/recovery';
import { ACCESS_TOKEN, fixtures, newOrder, signedOrder } from './websocket-harness';

const verifier = new JwtVerifier([ACCESS_TOKEN]);

describe('channelFor', () => {
	it('builds the three Transak channel names', () => {
		expect(channelFor('orderId', { apiKey: 'k', orderId: ' abc-1 ' })).toEqual({
			ok: true,
			name: 'abc-1',
		});
		expect(channelFor('partnerOrderId', { apiKey: 'k', partnerOrderId: 'ref' })).toEqual({
			ok: true,
			name: 'k_ref',
		});
		expect(channelFor('allOrders', { apiKey: 'k' })).toEqual({ ok: true, name: 'k' });
	});

	it('explains what is missing or unusable', () => {
		expect(channelFor('orderId', { apiKey: 'k', orderId: '' })).toEqual({
			ok: false,
			message: 'Order ID is empty',
		});
		expect(channelFor('partnerOrderId', { apiKey: '', partnerOrderId: 'x' })).toMatchObject({
			ok: false,
		});
		expect(channelFor('allOrders', { apiKey: 'a/b' })).toMatchObject({
			ok: false,
			message: expect.stringMatching(/not a valid Pusher channel/),
		});
		expect(channelFor('orderId', { orderId: 'x'.repeat(165) })).toMatchObject({ ok: false });
		expect(channelFor('bogus' as never, {})).toMatchObject({ ok: false });
	});
});

describe('resolveEventID', () => {
	it('prefers the Pusher event name, then the payload, then the status', () => {
		expect(resolveEventID('ORDER_COMPLETED', 'ORDER_FAILED', 'FAILED')).toBe('ORDER_COMPLETED');
		expect(resolveEventID('order-123', 'ORDER_FAILED', 'CANCELLED')).toBe('ORDER_FAILED');
		expect(resolveEventID('order-123', undefined, 'PENDING_DELIVERY_FROM_TRANSAK')).toBe(
			'ORDER_PROCESSING',
		);
		expect(resolveEventID('SOMETHING_NEW', undefined, 'NEW_STATUS')).toBe('SOMETHING_NEW');
	});
});

describe('parsePusherEvent', () => {
	it('all orders: only verified tokens, also inside {data: "<JWT>"}', () => {
		const order = newOrder({ status: 'COMPLETED' });
		const token = signedOrder('ORDER_COMPLETED', order);
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', token, verifier)).toMatchObject({
			ok: true,
			event: { status: 'COMPLETED' },
		});
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', { data: token }, verifier),
		).toMatchObject({ ok: true });
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', JSON.stringify(token), verifier),
		).toMatchObject({ ok: true });
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', order, verifier)).toMatchObject({
			ok: false,
			reason: 'malformed',
		});
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', fixtures.forge(order), verifier),
		).toMatchObject({ ok: false, reason: 'rejected' });
		const alg = fixtures.sign(order, ACCESS_TOKEN, { algorithm: 'HS512' });
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', alg, verifier)).toMatchObject({
			ok: false,
			reason: 'rejected',
		});
	});

	it('public channels: a signed token must verify too', () => {
		const order = newOrder();
		expect(
			parsePusherEvent('orderId', 'ORDER_CREATED', signedOrder('ORDER_CREATED', order), verifier),
		).toMatchObject({ ok: true });
		expect(
			parsePusherEvent('orderId', 'ORDER_CREATED', fixtures.forge(order), verifier),
		).toMatchObject({ ok: false, reason: 'rejected' });
	});

	it('ignores KYC events and orders without an id', () => {
		const kyc = fixtures.sign(fixtures.kycClaims('KYC_APPROVED', 'APPROVED'), ACCESS_TOKEN);
		expect(parsePusherEvent('allOrders', 'KYC_APPROVED', kyc, verifier)).toMatchObject({
			ok: false,
			reason: 'ignored',
		});
		expect(parsePusherEvent('orderId', 'ORDER_CREATED', { status: 'X' }, verifier)).toMatchObject({
			ok: false,
			reason: 'ignored',
		});
		expect(parsePusherEvent('orderId', 'ORDER_CREATED', 42, verifier)).toMatchObject({
			ok: false,
			reason: 'malformed',
		});
	});
});

describe('eventIdForStatus', () => {
	it('maps statuses to their events and honours the filter', () => {
		expect(eventIdForStatus('COMPLETED', [])).toBe('ORDER_COMPLETED');
		expect(eventIdForStatus('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', [])).toBe('ORDER_PROCESSING');
		expect(eventIdForStatus('EXPIRED', [])).toBe('ORDER_FAILED');
		expect(eventIdForStatus('EXPIRED', ['ORDER_EXPIRED'])).toBe('ORDER_EXPIRED');
		expect(eventIdForStatus('CANCELLED', ['ORDER_COMPLETED'])).toBeUndefined();
		expect(eventIdForStatus('SOMETHING_NEW', [])).toBeUndefined();
		expect(eventIdForStatus(undefined, [])).toBeUndefined();
	});
});

describe('orderChangedAt', () => {
	it('takes the latest known timestamp', () => {
		expect(
			orderChangedAt({
				createdAt: '2024-01-01T00:00:00Z',
				updatedAt: '2024-01-01T00:05:00Z',
				statusHistories: [{ createdAt: '2024-01-01T00:07:00Z' }],
			}),
		).toBe(Date.parse('2024-01-01T00:07:00Z'));
		expect(orderChangedAt({})).toBeUndefined();
	});
});

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

describe('fetchMissedEvents', () => {
	const since = Date.parse('2025-06-01T12:00:00Z');
	const at = (offsetMinutes: number) => new Date(since + offsetMinutes * 60_000).toISOString();

	function fakeApi(
		orders: IDataObject[],
		webhooks: IDataObject[] = [],
	): RecoveryApi & { calls: IDataObject[] } {
		const calls: IDataObject[] = [];
		return {
			calls,
			getOrder: async (id) => {
				calls.push({ getOrder: id });
				return orders.find((o) => o.id === id)!;
			},
			listOrders: async (query) => {
				calls.push({ listOrders: query as IDataObject });
				const skip = query.skip ?? 0;
				return orders.slice(skip, skip + (query.limit ?? 100));
			},
			listWebhooks: async (query) => {
				calls.push({ listWebhooks: query as IDataObject });
				return webhooks;
			},
		};
	}

	it('keeps changes since the gap began (minus the margin), oldest first, marked recovered', async () => {
		const api = fakeApi([
			{ id: 'a', status: 'COMPLETED', updatedAt: at(5) },
			{ id: 'b', status: 'PROCESSING', updatedAt: at(-0.5) }, // within the 60 s margin
			{ id: 'c', status: 'COMPLETED', updatedAt: at(-10) }, // before the gap
			{ id: 'd', status: 'MYSTERY', updatedAt: at(1) }, // unknown status
		]);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
		});
		expect(found.map((f) => [f.event.subjectId, f.event.eventID, f.event.json.recovered])).toEqual([
			['b', 'ORDER_PROCESSING', true],
			['a', 'ORDER_COMPLETED', true],
		]);
		const query = api.calls[0].listOrders as IDataObject;
		expect(query).toMatchObject({
			startDate: '2025-05-31',
			sortOrder: 'desc',
			skip: 0,
			limit: 100,
		});
	});

	it('pages through the orders list, up to a limit', async () => {
		const orders = Array.from({ length: 25 }, (_, i) => ({
			id: `o${i}`,
			status: 'COMPLETED',
			updatedAt: at(1),
		}));
		const api = fakeApi(orders);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
			pageSize: 10,
			maxPages: 2,
		});
		expect(found).toHaveLength(20);
		expect(api.calls.filter((c) => c.listOrders)).toHaveLength(2);
	});

	it('reads webhook history, verifying token-shaped data, and survives its failure', async () => {
		const order = newOrder({ id: 'w1', status: 'PROCESSING' });
		const api = fakeApi(
			[],
			[
				{ createdAt: at(1), eventID: 'ORDER_PROCESSING', webhookData: order },
				{
					createdAt: at(2),
					eventID: 'ORDER_COMPLETED',
					webhookData: signedOrder('ORDER_COMPLETED', { ...order, status: 'COMPLETED' }),
				},
				{
					createdAt: at(3),
					eventID: 'ORDER_COMPLETED',
					webhookData: fixtures.forge({ ...order, status: 'REFUNDED' }),
				},
				{ createdAt: at(-30), eventID: 'ORDER_CREATED', webhookData: order },
				{ createdAt: at(4), eventID: 'KYC_APPROVED', webhookData: order },
			],
		);
		const found = await fetchMissedEvents(api, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
		});
		expect(found.map((f) => [f.event.eventID, f.event.status])).toEqual([
			['ORDER_PROCESSING', 'PROCESSING'],
			['ORDER_COMPLETED', 'COMPLETED'],
		]);

		const failing = {
			...fakeApi([{ id: 'x', status: 'COMPLETED', updatedAt: at(1) }]),
			listWebhooks: async () => Promise.reject(new Error('404')),
		};
		const errors: string[] = [];
		const still = await fetchMissedEvents(failing, { mode: 'allOrders' }, since, {
			events: [],
			verifier,
			onSourceError: (source) => errors.push(source),
		});
		expect(still).toHaveLength(1);
		expect(errors).toEqual(['webhook history']);
	});

	it('single order and partner order: one call each; a failing primary source throws', async () => {
		const api = fakeApi([{ id: 'a', status: 'COMPLETED', updatedAt: at(1), partnerOrderId: 'p' }]);
		expect(
			await fetchMissedEvents(api, { mode: 'orderId', orderId: 'a' }, since, {
				events: [],
				verifier,
			}),
		).toHaveLength(1);
		expect(
			await fetchMissedEvents(api, { mode: 'partnerOrderId', partnerOrderId: 'p' }, since, {
				events: [],
				verifier,
			}),
		).toHaveLength(1);
		expect(api.calls).toEqual([
			{ getOrder: 'a' },
			{ listOrders: { partnerOrderId: 'p', limit: 100, sortOrder: 'desc' } },
		]);

		const broken = { ...api, getOrder: async () => Promise.reject(new Error('down')) };
		await expect(
			fetchMissedEvents(broken, { mode: 'orderId', orderId: 'a' }, since, { events: [], verifier }),
		).rejects.toThrow('down');
	});
});

describe('node description (CONTRACT.md)', () => {
	it('keeps the public names and defaults', () => {
		const { description } = new TransakWebSocketTrigger();
		expect(description.name).toBe('transakWebSocketTrigger');
		expect(description.displayName).toBe('Transak WebSocket Trigger');
		expect(description.credentials).toEqual([{ name: 'transakApi', required: true }]);
		const byName = Object.fromEntries(description.properties.map((p) => [p.name, p]));
		expect(byName.channel.options!.map((o) => (o as { value: string }).value).sort()).toEqual([
			'allOrders',
			'orderId',
			'partnerOrderId',
		]);
		expect(byName.orderId.displayOptions).toEqual({ show: { channel: ['orderId'] } });
		expect(byName.partnerOrderId.displayOptions).toEqual({ show: { channel: ['partnerOrderId'] } });
		expect(byName.events.type).toBe('multiOptions');
		expect(byName.events.default).toEqual([]);
		expect(
			(byName.events.options as Array<{ value: string }>).every((o) =>
				o.value.startsWith('ORDER_'),
			),
		).toBe(true);
		const options = Object.fromEntries(
			(byName.options.options as Array<{ name: string; default: unknown }>).map((o) => [
				o.name,
				o.default,
			]),
		);
		expect(options).toMatchObject({
			appKey: TRANSAK_PUSHER.app,
			cluster: TRANSAK_PUSHER.cluster,
			wsHost: '',
			forceTLS: true,
		});
		expect(options).toHaveProperty('wsPort');
		expect(TRANSAK_PUSHER).toEqual({ app: '1d9ffac87de599c61283', cluster: 'ap2' });
	});
});
