/**
 * The one decoder: how every Transak record becomes an event or an item. Each decision that used to
 * differ between the webhook, Pusher, API and recovery paths is pinned here once.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import {
	decodeEvent,
	deliveryItem,
	openDelivery,
	orderIdOf,
	orderItem,
	resolveEventID,
	type Decoded,
	type TransakEvent,
} from '../../../../../nodes/Transak/model/decode';
import { MAX_DEPTH, NESTED_TOO_DEEP } from '../../../../../nodes/Transak/model/sanitize';
import { JwtVerifier } from '../../../../../nodes/Transak/verification/jwt';
import {
	expectWellFormedItem,
	hostileRecordText,
	signText,
	statusLike,
} from '../../../support/hostile';

/* eslint-disable @typescript-eslint/no-require-imports */
const {
	sampleOrder,
	sign,
	kycClaims,
	orderClaims,
} = require('../../../../../tools/transak/fixtures');
/* eslint-enable @typescript-eslint/no-require-imports */

const KEY = 'decoder-test-access-token-0123456789';
const verify = (token: string) => new JwtVerifier([KEY]).claimsOf(token);

function event(decoded: Decoded): TransakEvent {
	if (!decoded.ok) throw new Error(`expected an event, got: ${decoded.message}`);
	return decoded.event;
}

/** An order as Transak's Get Order / Get Orders answers name it: `_id`, no `id`. */
function apiOrder(overrides: IDataObject = {}): IDataObject {
	const { id, ...order } = sampleOrder(overrides);
	return { _id: id, ...order };
}

function nested(depth: number): IDataObject {
	let value: IDataObject = { leaf: true };
	for (let i = 0; i < depth; i++) value = { next: value };
	return value;
}

describe('order ID: `id`, `_id` or `orderId`, whatever the record calls it', () => {
	it('reads the three names, `id` first', () => {
		expect(orderIdOf({ id: 'a', _id: 'b', orderId: 'c' })).toBe('a');
		expect(orderIdOf({ _id: 'b', orderId: 'c' })).toBe('b');
		expect(orderIdOf({ orderId: 'c' })).toBe('c');
		expect(orderIdOf({ id: 42 })).toBe('42');
		expect(orderIdOf({ id: '', _id: '' })).toBeUndefined();
		expect(orderIdOf(undefined)).toBeUndefined();
	});

	it('an API order with `_id` only becomes an item with that orderId (Get and Get Many)', () => {
		const order = apiOrder({ status: 'COMPLETED' });
		expect(orderItem(order)).toMatchObject({ orderId: order._id, status: 'COMPLETED' });
		expect(orderItem(order, 'requested').orderId).toBe(order._id);
		expect(orderItem({ status: 'COMPLETED' }, 'requested').orderId).toBe('requested');
		expect(orderItem({ status: 'COMPLETED' }).orderId).toBe('');
	});

	it('webhook claims, Pusher data and deliveries with `_id` only decode too', () => {
		const order = apiOrder({ status: 'PROCESSING' });
		expect(event(decodeEvent({ eventID: 'ORDER_PROCESSING', webhookData: order }))).toMatchObject({
			subjectId: order._id,
			json: { orderId: order._id },
		});
		expect(event(decodeEvent(apiOrder(), { event: 'ORDER_COMPLETED' })).subjectId).toBeDefined();
		expect(deliveryItem({ id: 'w', eventID: 'ORDER_PROCESSING', webhookData: order }).orderId).toBe(
			order._id,
		);
	});

	it('a delivery whose data names no order falls back to the delivery’s `orderId` or `orderID`', () => {
		const data = { status: 'COMPLETED' };
		expect(
			deliveryItem({ eventID: 'ORDER_COMPLETED', orderID: 'o-1', webhookData: data }),
		).toMatchObject({ orderId: 'o-1', status: 'COMPLETED' });
		expect(
			event(decodeEvent({ eventID: 'ORDER_COMPLETED', orderId: 'o-2', webhookData: { ...data } })),
		).toMatchObject({ subjectId: 'o-2', json: { orderId: 'o-2' } });
		// A delivery's own `id` is the delivery's, never the order's.
		expect(
			deliveryItem({ id: 'w-9', eventID: 'ORDER_COMPLETED', webhookData: 'x.y.z' }),
		).not.toHaveProperty('orderId');
	});

	it('a delivery’s own ID: `id`, or `_id`', () => {
		expect(deliveryItem({ _id: 'w-1', eventID: 'ORDER_COMPLETED' }).id).toBe('w-1');
		expect(deliveryItem({ eventID: 'ORDER_COMPLETED' }).id).toBe('');
	});

	it('an order event without any order ID is refused', () => {
		const { id: _id, ...order } = sampleOrder();
		expect(decodeEvent({ eventID: 'ORDER_COMPLETED', webhookData: order })).toEqual({
			ok: false,
			message: 'order has no id',
		});
	});
});

describe('event ID', () => {
	it('prefers the Pusher event name, then the payload, then the status', () => {
		expect(resolveEventID('ORDER_COMPLETED', 'ORDER_FAILED', 'FAILED')).toBe('ORDER_COMPLETED');
		expect(resolveEventID('order-123', 'ORDER_FAILED', 'CANCELLED')).toBe('ORDER_FAILED');
		expect(resolveEventID('order-123', undefined, 'PENDING_DELIVERY_FROM_TRANSAK')).toBe(
			'ORDER_PROCESSING',
		);
		expect(resolveEventID('SOMETHING_NEW', undefined, 'NEW_STATUS')).toBe('SOMETHING_NEW');
	});

	it('the event a record names is kept as sent, even one this package does not know', () => {
		expect(resolveEventID(undefined, 'ORDER_ON_HOLD', 'COMPLETED')).toBe('ORDER_ON_HOLD');
		expect(resolveEventID(undefined, undefined, undefined)).toBeUndefined();
	});

	it('`eventId` is read where `eventID` is missing, in every record', () => {
		const order = sampleOrder({ status: 'REFUNDED' });
		expect(event(decodeEvent({ eventId: 'ORDER_REFUNDED', webhookData: order })).eventID).toBe(
			'ORDER_REFUNDED',
		);
		expect(deliveryItem({ id: 'w', eventId: 'ORDER_REFUNDED', webhookData: order }).eventID).toBe(
			'ORDER_REFUNDED',
		);
	});

	it('claims that name no event take the one their status implies', () => {
		const order = sampleOrder({ status: 'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK' });
		expect(event(decodeEvent({ webhookData: order }))).toMatchObject({
			eventID: 'ORDER_PROCESSING',
			status: 'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK',
		});
		expect(decodeEvent({ hello: 'world' })).toEqual({
			ok: false,
			message: 'the event has no eventID',
		});
	});

	it('an API order carries the event its status implies, or an empty one', () => {
		expect(orderItem(apiOrder({ status: 'EXPIRED' })).eventID).toBe('ORDER_FAILED');
		expect(orderItem(apiOrder({ status: 'SOMETHING_NEW' })).eventID).toBe('');
	});
});

describe('status', () => {
	it('the record’s status, else the default status of its event, else UNKNOWN', () => {
		const { status: _status, ...order } = sampleOrder();
		const withoutStatus = () => structuredClone(order);
		expect(
			event(decodeEvent({ eventID: 'ORDER_COMPLETED', webhookData: sampleOrder({ status: 'X' }) }))
				.status,
		).toBe('X');
		expect(
			event(decodeEvent({ eventID: 'ORDER_CREATED', webhookData: withoutStatus() })).status,
		).toBe('AWAITING_PAYMENT_FROM_USER');
		expect(
			event(decodeEvent({ eventID: 'ORDER_EXPIRED', webhookData: withoutStatus() })).status,
		).toBe('EXPIRED');
		expect(event(decodeEvent({ eventID: 'ORDER_NEW', webhookData: withoutStatus() })).status).toBe(
			'UNKNOWN',
		);
	});

	it('deliveries follow the same rule, whether or not they decode as an event', () => {
		expect(deliveryItem({ eventID: 'ORDER_FAILED', webhookData: {} }).status).toBe('FAILED');
		expect(deliveryItem({ eventID: 'ORDER_FAILED', webhookData: 'still.a.token' }).status).toBe(
			'FAILED',
		);
		expect(deliveryItem({ eventID: 'ORDER_NEW' }).status).toBe('UNKNOWN');
	});

	it('an API order without a status is UNKNOWN (it names no event)', () => {
		const { status: _status, ...order } = apiOrder();
		expect(orderItem(order)).toMatchObject({ status: 'UNKNOWN', eventID: '' });
	});
});

describe('KYC records', () => {
	it('at top level, under `data`, or as a delivery’s `webhookData`', () => {
		const top = kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: 'u-1' });
		const under = kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: 'u-1', nested: true });
		for (const record of [top, under]) {
			expect(event(decodeEvent(record))).toMatchObject({
				kind: 'kyc',
				eventID: 'KYC_APPROVED',
				status: 'APPROVED',
				subjectId: 'u-1',
			});
		}
		expect(
			deliveryItem({
				id: 'k',
				eventID: 'KYC_REJECTED',
				webhookData: { kycStatus: 'REJECTED', partnerUserId: 'u-2' },
			}),
		).toMatchObject({ eventID: 'KYC_REJECTED', status: 'REJECTED', partnerUserId: 'u-2' });
	});

	it('a KYC event name wins over an order payload, and then needs its partnerUserId', () => {
		expect(decodeEvent(sampleOrder(), { event: 'KYC_APPROVED' })).toEqual({
			ok: false,
			message: 'KYC event has no partnerUserId',
		});
	});
});

describe('deliveries listed still signed', () => {
	it('are opened with a key that verifies them, and kept as sent otherwise', () => {
		const order = sampleOrder({ status: 'COMPLETED' });
		const token = sign(orderClaims('ORDER_COMPLETED', order), KEY);
		const opened = openDelivery({ id: 'w', webhookData: token }, verify);
		expect(opened).toMatchObject({ eventID: 'ORDER_COMPLETED', webhookData: order });
		const foreign = sign(orderClaims('ORDER_COMPLETED', order), 'another-key-0123456789');
		expect(openDelivery({ id: 'w', webhookData: foreign }, verify).webhookData).toBe(foreign);
		expect(openDelivery({ id: 'w', webhookData: token }).webhookData).toBe(token);
	});
});

describe('hostile records', () => {
	it('keys that reach a prototype are dropped', () => {
		const claims = JSON.parse(
			'{"eventID":"ORDER_COMPLETED","webhookData":{"id":"o","status":"COMPLETED","__proto__":{"polluted":1},"nested":{"constructor":{"prototype":{"x":1}}}}}',
		);
		const json = event(decodeEvent(claims)).json;
		expect(Object.keys(json)).not.toContain('__proto__');
		expect(json.nested).toEqual({});
		expect(({} as IDataObject).polluted).toBeUndefined();
	});

	it(`records nested deeper than ${MAX_DEPTH} levels are refused, never thrown`, () => {
		const deep = { eventID: 'ORDER_COMPLETED', webhookData: { id: 'o', extra: nested(5_000) } };
		expect(decodeEvent(deep)).toEqual({
			ok: false,
			message: `the event data nests deeper than ${MAX_DEPTH} levels`,
		});
	});

	it(`API records nested deeper than ${MAX_DEPTH} levels become items cut at that depth, the rest kept`, () => {
		const item = orderItem({ id: 'o', status: 'COMPLETED', extra: nested(5_000) });
		expect(item).toMatchObject({ orderId: 'o', status: 'COMPLETED', eventID: 'ORDER_COMPLETED' });
		let value: unknown = item.extra;
		let depth = 1;
		while (typeof value === 'object' && value !== null) {
			value = (value as IDataObject).next;
			depth += 1;
		}
		expect(value).toBe(NESTED_TOO_DEEP);
		expect(depth).toBe(MAX_DEPTH + 1);
		const delivery = deliveryItem({
			id: 'd',
			eventID: 'ORDER_FAILED',
			createdAt: 'now',
			webhookData: { id: 'o', status: 'FAILED', extra: nested(5_000) },
		});
		expect(delivery).toMatchObject({ id: 'd', eventID: 'ORDER_FAILED', status: 'FAILED' });
		expect(JSON.stringify(delivery)).toContain(NESTED_TOO_DEEP);
	});

	it('nesting within the limit is kept', () => {
		expect(
			event(
				decodeEvent({ eventID: 'ORDER_COMPLETED', webhookData: { id: 'o', extra: nested(50) } }),
			).subjectId,
		).toBe('o');
	});
});

describe('API items from hostile records (property)', () => {
	it('Get Order, Get Many and webhook deliveries never throw and always give string eventID and status', () => {
		const signedOrOpen = fc.record({ text: hostileRecordText(), signed: fc.boolean() });
		fc.assert(
			fc.property(
				hostileRecordText(),
				signedOrOpen,
				statusLike,
				(orderText, delivered, eventID) => {
					const order = JSON.parse(orderText) as unknown;
					if (order !== null && typeof order === 'object' && !Array.isArray(order))
						expectWellFormedItem(orderItem(order as IDataObject, 'requested'), { event: false });
					const webhookData = delivered.signed
						? signText(`{"webhookData":${delivered.text}}`, KEY)
						: (JSON.parse(delivered.text) as unknown);
					const item = deliveryItem(
						{ id: 'd', eventID, createdAt: 'now', webhookData } as IDataObject,
						verify,
					);
					expect(typeof item.eventID).toBe('string');
					expect(typeof item.status).toBe('string');
					expect(() => JSON.stringify(item)).not.toThrow();
				},
			),
			{ numRuns: 500 },
		);
	});
});
