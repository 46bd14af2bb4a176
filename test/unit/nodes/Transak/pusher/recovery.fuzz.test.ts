/**
 * Property tests of the recovery path: the partner API answers pages of random and mutated
 * records (prototype names as statuses and keys, nesting thousands of levels deep, histories of
 * 150,000 entries, signed deliveries of hostile claims) around one genuine change. Recovery never
 * throws, every event it returns is a well-formed item, and the genuine change is always among
 * them: one odd record never costs the others.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { fetchMissedEvents, type RecoveryApi } from '../../../../../nodes/Transak/pusher/recovery';
import { JwtVerifier } from '../../../../../nodes/Transak/verification/jwt';
import {
	expectWellFormedItem,
	hostileRecordText,
	PROTOTYPE_NAMES,
	signText,
	statusLike,
} from '../../../support/hostile';

const KEY = 'recovery-fuzz-access-token-0123456789';
const verifier = new JwtVerifier([KEY]);
const now = () => new Date().toISOString();

const records = fc
	.array(hostileRecordText(true), { maxLength: 5 })
	.map((texts) => texts.map((text) => JSON.parse(text) as unknown));

/** A webhook delivery as the API lists it: hostile data, open or signed, under any event. */
const delivery = fc
	.record({
		eventID: statusLike,
		data: hostileRecordText(),
		signed: fc.boolean(),
		createdAt: fc.constantFrom(now(), 'never', null),
	})
	.map(({ eventID, data, signed, createdAt }) => ({
		id: 'd',
		eventID,
		createdAt,
		webhookData: signed
			? signText(`{"eventID":${JSON.stringify(eventID) ?? 'null'},"webhookData":${data}}`, KEY)
			: (JSON.parse(data) as unknown),
	}));

/** Selections that include the genuine events, with prototype names besides. */
const selection = fc
	.subarray(['ORDER_PROCESSING', 'ORDER_FAILED', ...PROTOTYPE_NAMES])
	.chain((extra) =>
		fc.constantFrom([] as string[], ['ORDER_COMPLETED', 'ORDER_REFUNDED', ...extra]),
	);

/** Puts `item` at position `at` (modulo) of `list`. */
const insert = <T>(list: T[], item: T, at: number): T[] => {
	const i = list.length === 0 ? 0 : at % (list.length + 1);
	return [...list.slice(0, i), item, ...list.slice(i)];
};

async function recover(
	api: RecoveryApi,
	mode: 'orderId' | 'partnerOrderId' | 'allOrders',
	events: string[],
) {
	const missed = await fetchMissedEvents(
		api,
		{ mode, orderId: 'genuine-order', partnerOrderId: 'p-1' },
		Date.now() - 1000,
		{ events, verifier, pageSize: 3, maxPages: 5 },
	);
	for (const { event } of missed) {
		expectWellFormedItem(event.json);
		expect(event.json.recovered).toBe(true);
	}
	return missed.map(({ event }) => `${event.subjectId} ${event.status}`);
}

const GENUINE_ORDER = () => ({ id: 'genuine-order', status: 'COMPLETED', updatedAt: now() });

describe('recovery fuzz', () => {
	it('one order: whatever Get Order answers, recovery never throws nor yields a malformed item', async () => {
		await fc.assert(
			fc.asyncProperty(
				// undefined: the genuine order, made as the run starts (its change is recent).
				fc.option(records.map((list) => list[0] ?? {})),
				selection,
				async (hostile, events) => {
					const order = hostile ?? GENUINE_ORDER();
					const api: RecoveryApi = {
						getOrder: async () => order as IDataObject,
						listOrders: async () => [],
						listWebhooks: async () => [],
					};
					const found = await recover(api, 'orderId', events);
					if (hostile === null) expect(found).toEqual(['genuine-order COMPLETED']);
				},
			),
			{ numRuns: 300 },
		);
	});

	it('a partner order, and all orders with the webhook history: odd records around a genuine change never cost it', async () => {
		await fc.assert(
			fc.asyncProperty(
				records,
				fc.array(delivery, { maxLength: 4 }),
				fc.nat(),
				selection,
				async (orders, deliveries, at, events) => {
					const listed = insert(orders, GENUINE_ORDER() as unknown, at).slice(0, 15);
					const history = insert(
						deliveries as unknown[],
						{
							id: 'genuine-delivery',
							eventID: 'ORDER_REFUNDED',
							createdAt: now(),
							webhookData: { id: 'genuine-refund', status: 'REFUNDED' },
						},
						at,
					);
					const api: RecoveryApi = {
						getOrder: async () => ({}),
						listOrders: async ({ skip = 0, limit = 100 }) =>
							listed.slice(skip, skip + limit) as IDataObject[],
						listWebhooks: async () => history as IDataObject[],
					};
					const partner = await recover(api, 'partnerOrderId', events);
					expect(partner).toContain('genuine-order COMPLETED');
					const all = await recover(api, 'allOrders', events);
					expect(all).toContain('genuine-order COMPLETED');
					expect(all).toContain('genuine-refund REFUNDED');
				},
			),
			{ numRuns: 150 },
		);
	}, 120_000);
});
