import * as http from 'http';
import jwt from 'jsonwebtoken';
import * as net from 'net';
import type { AddressInfo } from 'net';
import type { IWebhookResponseData } from 'n8n-workflow';

import { TransakTrigger } from '../../../../nodes/Transak/TransakTrigger.node';

import {
	forge,
	KYC_LIFECYCLE,
	kycClaims,
	ORDER_LIFECYCLE,
	orderClaims,
	orderWebhookBody,
	sampleOrder,
	sign,
	unsigned,
} from '../../../../tools/transak/fixtures';
import { credentialFingerprint } from '../../../../nodes/Transak/transport/token';
import { webhookContext } from '../../support/n8n';
import { ACCESS_TOKEN, API_SECRET, callWebhook, freshWorkflowId } from '../../support/webhook';
import { sleep } from '../../support/wait';

const genuine = (eventID = 'ORDER_COMPLETED', order = sampleOrder()) =>
	orderWebhookBody(eventID, order, ACCESS_TOKEN);
const forged = () => ({ data: forge(orderClaims('ORDER_COMPLETED', sampleOrder())) });

/** A fresh trigger (workflow) whose credential reads are counted. */
function countedTrigger() {
	const counted = { workflowId: freshWorkflowId(), reads: 0, onGetCredentials: () => {} };
	counted.onGetCredentials = () => {
		counted.reads += 1;
	};
	return counted;
}

describe('Transak Trigger answer table', () => {
	it('valid signature, event selected: 200 and exactly one item', async () => {
		const order = sampleOrder();
		const answer = await callWebhook({
			body: genuine('ORDER_COMPLETED', order),
			events: ['ORDER_COMPLETED'],
		});
		expect(answer.status).toBe(200);
		expect(answer.result.workflowData).toHaveLength(1);
		expect(answer.items).toHaveLength(1);
		const item = answer.items[0];
		expect(item).toMatchObject({
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: order.id,
		});
		// The complete decoded order object is on the item.
		expect(item).toMatchObject(order);
	});

	it('valid signature, no event selected means every event', async () => {
		const answer = await callWebhook({
			body: genuine('ORDER_REFUNDED', sampleOrder({ status: 'REFUNDED' })),
		});
		expect(answer.items).toHaveLength(1);
		expect(answer.items[0].status).toBe('REFUNDED');
	});

	it('valid signature, event not selected: 200 and no execution', async () => {
		const answer = await callWebhook({
			body: genuine('ORDER_CREATED'),
			events: ['ORDER_COMPLETED'],
		});
		expect(answer.status).toBe(200);
		expect(answer.result.workflowData).toBeUndefined();
		expect(answer.result.noWebhookResponse).toBe(true);
	});

	const claims = () => orderClaims('ORDER_COMPLETED', sampleOrder());
	const unauthorized: Array<[string, () => unknown]> = [
		['a signature made with another key', () => ({ data: forge(claims()) })],
		[
			'a signature of another payload',
			() => {
				const [h, , s] = genuine().data.split('.');
				const [, p] = sign({ ...claims(), eventID: 'ORDER_REFUNDED' }, 'x').split('.');
				return { data: `${h}.${p}.${s}` };
			},
		],
		['a missing signature (alg none)', () => ({ data: unsigned(claims()) })],
		[
			'alg none with a genuine signature attached',
			() => {
				const [, p, s] = genuine().data.split('.');
				const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
				return { data: `${h}.${p}.${s}` };
			},
		],
		[
			'HS512 signed with the access token',
			() => ({ data: sign(claims(), ACCESS_TOKEN, { algorithm: 'HS512' }) }),
		],
		[
			'HS384 signed with the access token',
			() => ({ data: sign(claims(), ACCESS_TOKEN, { algorithm: 'HS384' }) }),
		],
		[
			'an expired token',
			() => ({
				data: sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, ACCESS_TOKEN),
			}),
		],
		[
			'a token not valid yet',
			() => ({
				data: sign({ ...claims(), nbf: Math.floor(Date.now() / 1000) + 3600 }, ACCESS_TOKEN),
			}),
		],
		[
			'an empty signature segment on an HS256 header',
			() => {
				const [h, p] = genuine().data.split('.');
				return { data: `${h}.${p}.` };
			},
		],
	];
	it.each(unauthorized)('%s: 401 and no execution', async (_name, body) => {
		const answer = await callWebhook({ body: body() });
		expect(answer.status).toBe(401);
		expect(answer.result.workflowData).toBeUndefined();
		expect(answer.responseBody).toEqual({ message: 'Unauthorized' });
	});

	const badRequests: Array<[string, unknown, Buffer | undefined]> = [
		['an empty body', {}, undefined],
		['a body without data', { webhookData: sampleOrder() }, undefined],
		['data as a number', { data: 42 }, undefined],
		['data as an object', { data: { eventID: 'ORDER_COMPLETED' } }, undefined],
		['data as null', { data: null }, undefined],
		['data as an empty string', { data: '' }, undefined],
		['data as plain text', { data: 'hello world' }, undefined],
		['data with two segments', { data: 'abc.def' }, undefined],
		['data with four segments', { data: 'a.b.c.d' }, undefined],
		['data whose segments are not JSON', { data: 'bm90.anNvbg.c2ln' }, undefined],
		['a body that is an array', [{ data: 'x' }], undefined],
		['a body that is a string', 'data=eyJ', undefined],
		['a raw body that is not JSON', undefined, Buffer.from('{"data": "eyJ')],
	];
	it.each(badRequests)('%s: 400 and no execution', async (_name, body, rawBody) => {
		const answer = await callWebhook({ body, rawBody });
		expect(answer.status).toBe(400);
		expect(answer.result.workflowData).toBeUndefined();
	});

	it('reads the token from the raw body when n8n did not parse it', async () => {
		const rawBody = Buffer.from(JSON.stringify(genuine()));
		const answer = await callWebhook({ body: {}, rawBody });
		expect(answer.items).toHaveLength(1);
	});

	it('a genuine token whose claims are no Transak event: 400 and no execution', async () => {
		const answer = await callWebhook({ body: { data: sign({ hello: 'world' }, ACCESS_TOKEN) } });
		expect(answer.status).toBe(400);
		expect(answer.result.workflowData).toBeUndefined();
	});

	it('an order without an id: 400 and no execution', async () => {
		const { id: _id, ...order } = sampleOrder();
		const answer = await callWebhook({ body: genuine('ORDER_COMPLETED', order as never) });
		expect(answer.status).toBe(400);
	});

	it('a token larger than the bound: 413 and no execution', async () => {
		const answer = await callWebhook({ body: { data: 'a'.repeat(1024 * 1024 + 1) } });
		expect(answer.status).toBe(413);
		expect(answer.result.workflowData).toBeUndefined();
	});

	it('honours an expiry in the future', async () => {
		const data = sign(
			{
				...orderClaims('ORDER_COMPLETED', sampleOrder()),
				exp: Math.floor(Date.now() / 1000) + 300,
			},
			ACCESS_TOKEN,
		);
		expect((await callWebhook({ body: { data } })).items).toHaveLength(1);
	});
});

describe('Transak Trigger events and statuses', () => {
	for (const [flow, pairs] of Object.entries(ORDER_LIFECYCLE)) {
		it.each(pairs)(
			`${flow}: %s with status %s emits one item with both`,
			async (eventID, status) => {
				const order = sampleOrder({
					id: `order-${flow}-${eventID}-${status}`,
					status,
					isBuyOrSell: flow,
				});
				const answer = await callWebhook({ body: genuine(eventID, order), events: [eventID] });
				expect(answer.items).toHaveLength(1);
				expect(answer.items[0]).toMatchObject({
					eventID,
					status,
					orderId: order.id,
					isBuyOrSell: flow,
				});
			},
		);
	}

	it('takes the status from the event when the order carries none', async () => {
		const { status: _status, ...order } = sampleOrder();
		const answer = await callWebhook({ body: genuine('ORDER_CREATED', order as never) });
		expect(answer.items[0].status).toBe('AWAITING_PAYMENT_FROM_USER');
	});

	for (const nested of [false, true]) {
		it.each(KYC_LIFECYCLE)(
			`KYC ${nested ? 'nested under data' : 'at top level'}: %s -> %s`,
			async (eventID, kycStatus) => {
				const body = {
					data: sign(
						kycClaims(eventID, kycStatus, {
							partnerUserId: 'user-7',
							partnerCustomerId: 'cust-9',
							nested,
						}),
						ACCESS_TOKEN,
					),
				};
				const answer = await callWebhook({ body, events: [eventID] });
				expect(answer.items).toHaveLength(1);
				expect(answer.items[0]).toMatchObject({
					eventID,
					status: kycStatus,
					partnerUserId: 'user-7',
					partnerCustomerId: 'cust-9',
				});
			},
		);
	}

	it('KYC without partnerCustomerId leaves the field out', async () => {
		const body = {
			data: sign(kycClaims('KYC_APPROVED', 'APPROVED', { partnerUserId: 'u1' }), ACCESS_TOKEN),
		};
		const [item] = (await callWebhook({ body })).items;
		expect(item).toMatchObject({
			eventID: 'KYC_APPROVED',
			status: 'APPROVED',
			partnerUserId: 'u1',
		});
		expect(item).not.toHaveProperty('partnerCustomerId');
	});

	it('KYC without partnerUserId is refused as malformed', async () => {
		const body = { data: sign({ kycStatus: 'APPROVED', eventID: 'KYC_APPROVED' }, ACCESS_TOKEN) };
		expect((await callWebhook({ body })).status).toBe(400);
	});

	it('filters KYC and order events independently', async () => {
		const events = ['KYC_REJECTED'];
		const rejected = { data: sign(kycClaims('KYC_REJECTED', 'REJECTED'), ACCESS_TOKEN) };
		const approved = { data: sign(kycClaims('KYC_APPROVED', 'APPROVED'), ACCESS_TOKEN) };
		expect((await callWebhook({ body: rejected, events })).items).toHaveLength(1);
		expect((await callWebhook({ body: approved, events })).items).toHaveLength(0);
		expect((await callWebhook({ body: genuine(), events })).items).toHaveLength(0);
	});

	it('matches event IDs exactly: ORDER_FAILED does not select ORDER_EXPIRED', async () => {
		const body = genuine('ORDER_EXPIRED', sampleOrder({ status: 'EXPIRED' }));
		expect((await callWebhook({ body, events: ['ORDER_FAILED'] })).items).toHaveLength(0);
		expect(
			(await callWebhook({ body, events: ['ORDER_FAILED', 'ORDER_EXPIRED'] })).items,
		).toHaveLength(1);
	});
});

describe('Transak Trigger replays and recurrences', () => {
	const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
	/** A delivery as Transak makes it: the delivery's time and the order's signed update time. */
	const delivery = (
		order: ReturnType<typeof sampleOrder>,
		at: string,
		eventID = 'ORDER_COMPLETED',
	) => ({
		data: sign({ ...orderClaims(eventID, order), createdAt: at }, ACCESS_TOKEN),
	});

	it('a captured delivery replayed after the Maximum Delivery Age (72 h by default) answers 200 and starts nothing', async () => {
		const order = sampleOrder({ id: 'replayed', createdAt: hoursAgo(80), updatedAt: hoursAgo(73) });
		const old = await callWebhook({ body: delivery(order, hoursAgo(73)) });
		expect(old.status).toBe(200);
		expect(old.items).toHaveLength(0);
		expect(old.logs.filter((l) => l.message.includes('Maximum Delivery Age'))).toHaveLength(1);
		expect(JSON.stringify(old.logs)).not.toContain('replayed');

		// Within the age, or with the check off, the same delivery runs.
		const recent = sampleOrder({ id: 'recent', createdAt: hoursAgo(80), updatedAt: hoursAgo(71) });
		expect((await callWebhook({ body: delivery(recent, hoursAgo(71)) })).items).toHaveLength(1);
		const options = { maxDeliveryAge: 0 };
		expect(
			(await callWebhook({ body: delivery(order, hoursAgo(73)), options })).items,
		).toHaveLength(1);
		const shorter = { maxDeliveryAge: 1 };
		const twoHours = sampleOrder({ createdAt: hoursAgo(3), updatedAt: hoursAgo(2) });
		expect(
			(await callWebhook({ body: delivery(twoHours, hoursAgo(2)), options: shorter })).items,
		).toHaveLength(0);
	});

	it('while the editor listens (the test URL) an old delivery is what was asked for: it runs', async () => {
		const order = sampleOrder({ id: 'replayed-for-test', updatedAt: hoursAgo(200) });
		const answer = await callWebhook({ body: delivery(order, hoursAgo(200)), mode: 'manual' });
		expect(answer.items).toHaveLength(1);
	});

	it('the newest signed time counts: an old order updated now, or delivered now, is no replay', async () => {
		const updatedNow = sampleOrder({ createdAt: hoursAgo(500), updatedAt: hoursAgo(0) });
		expect((await callWebhook({ body: delivery(updatedNow, hoursAgo(500)) })).items).toHaveLength(
			1,
		);
		const deliveredNow = sampleOrder({ createdAt: hoursAgo(500), updatedAt: hoursAgo(500) });
		expect((await callWebhook({ body: delivery(deliveredNow, hoursAgo(0)) })).items).toHaveLength(
			1,
		);
	});

	it('KYC deliveries carry no time and are never aged', async () => {
		const kyc = { data: sign(kycClaims('KYC_APPROVED', 'APPROVED'), ACCESS_TOKEN) };
		expect((await callWebhook({ body: kyc, options: { maxDeliveryAge: 1 } })).items).toHaveLength(
			1,
		);
	});

	it('a status reached again (on hold, released, on hold again) starts the workflow again; a copy does not', async () => {
		const workflowId = freshWorkflowId();
		const id = 'recurring-order';
		const at = (status: string, updatedAt: string) =>
			delivery(sampleOrder({ id, status, updatedAt }), updatedAt, 'ORDER_PROCESSING');
		const held = at('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', hoursAgo(0.3));
		const released = at('PENDING_DELIVERY_FROM_TRANSAK', hoursAgo(0.2));
		const heldAgain = at('ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK', hoursAgo(0.1));
		const run = async (body: unknown) => (await callWebhook({ body, workflowId })).items.length;
		expect(await run(held)).toBe(1);
		expect(await run(released)).toBe(1);
		expect(await run(heldAgain)).toBe(1);
		expect(await run(heldAgain)).toBe(0);
		expect(await run(held)).toBe(0);
	});
});

describe('Transak Trigger repeated deliveries', () => {
	it('a repeated delivery answers 200 and starts no second execution', async () => {
		const workflowId = freshWorkflowId();
		const body = genuine();
		const first = await callWebhook({ body, workflowId });
		const second = await callWebhook({ body, workflowId });
		expect(first.items).toHaveLength(1);
		expect(second.status).toBe(200);
		expect(second.result.workflowData).toBeUndefined();
	});

	it('the same event re-signed (new token, same event, order and status) is still a repeat', async () => {
		const workflowId = freshWorkflowId();
		const order = sampleOrder();
		await callWebhook({ body: genuine('ORDER_COMPLETED', order), workflowId });
		const again = {
			data: sign({ ...orderClaims('ORDER_COMPLETED', order), createdAt: 'later' }, ACCESS_TOKEN),
		};
		expect((await callWebhook({ body: again, workflowId })).items).toHaveLength(0);
	});

	it('a new status of the same order is not a repeat', async () => {
		const workflowId = freshWorkflowId();
		const order = sampleOrder();
		const withStatus = async (status: string) =>
			(await callWebhook({ body: genuine('ORDER_PROCESSING', { ...order, status }), workflowId }))
				.items;
		expect(await withStatus('PROCESSING')).toHaveLength(1);
		expect(await withStatus('PENDING_DELIVERY_FROM_TRANSAK')).toHaveLength(1);
	});

	it('concurrent identical deliveries start exactly one execution', async () => {
		const workflowId = freshWorkflowId();
		const body = genuine();
		const answers = await Promise.all(
			Array.from({ length: 50 }, () => callWebhook({ body, workflowId })),
		);
		expect(answers.every((a) => a.status === 200)).toBe(true);
		expect(answers.filter((a) => a.items.length === 1)).toHaveLength(1);
	});

	it('a window of 0 turns de-duplication off', async () => {
		const workflowId = freshWorkflowId();
		const body = genuine();
		const options = { deduplicationWindow: 0 };
		expect((await callWebhook({ body, workflowId, options })).items).toHaveLength(1);
		expect((await callWebhook({ body, workflowId, options })).items).toHaveLength(1);
	});

	it('each workflow has its own window', async () => {
		const body = genuine();
		expect((await callWebhook({ body })).items).toHaveLength(1);
		expect((await callWebhook({ body })).items).toHaveLength(1);
	});

	it('a filtered delivery does not use up the window', async () => {
		const workflowId = freshWorkflowId();
		const body = genuine();
		expect((await callWebhook({ body, workflowId, events: ['ORDER_CREATED'] })).items).toHaveLength(
			0,
		);
		expect(
			(await callWebhook({ body, workflowId, events: ['ORDER_COMPLETED'] })).items,
		).toHaveLength(1);
	});
});

describe('Transak Trigger keys and secrets', () => {
	it('accepts the previous access token during rotation, and only that one besides the current', async () => {
		const credentials = {
			accessToken: 'new-token-aaaaaaaaaaaaaaaa',
			previousAccessToken: ACCESS_TOKEN,
		};
		expect((await callWebhook({ body: genuine(), credentials })).items).toHaveLength(1);
		const other = { data: sign(orderClaims('ORDER_COMPLETED', sampleOrder()), 'unrelated-token') };
		expect((await callWebhook({ body: other, credentials })).status).toBe(401);
	});

	it('accepts payloads signed with the API secret, as integrations from 2021 verified them', async () => {
		const body = { data: sign(orderClaims('ORDER_COMPLETED', sampleOrder()), API_SECRET) };
		const answer = await callWebhook({ body });
		expect(answer.status).toBe(200);
		expect(answer.items).toHaveLength(1);
	});

	it('refuses everything when the credential has no access token', async () => {
		const answer = await callWebhook({ body: genuine(), credentials: { accessToken: '' } });
		expect(answer.status).toBe(401);
	});

	it('never puts the access token or the API secret in items, answers or logs', async () => {
		const bodies = [
			genuine(),
			{ data: forge(orderClaims('ORDER_COMPLETED', sampleOrder())) },
			{ data: unsigned(orderClaims('ORDER_COMPLETED', sampleOrder())) },
			{ data: 'garbage' },
			{ data: sign({ ...orderClaims('ORDER_COMPLETED', sampleOrder()), exp: 1 }, ACCESS_TOKEN) },
		];
		for (const body of bodies) {
			const answer = await callWebhook({ body });
			const seen = JSON.stringify([answer.items, answer.responseBody, answer.logs]);
			expect(seen).not.toContain(ACCESS_TOKEN);
			expect(seen).not.toContain(API_SECRET);
		}
	});

	it('strips keys that could reach a prototype, and pollutes nothing', async () => {
		const payload =
			'{"eventID":"ORDER_COMPLETED","webhookData":{"id":"o-1","status":"COMPLETED","__proto__":{"polluted":true},' +
			'"constructor":{"prototype":{"polluted":true}},"nested":[{"__proto__":{"polluted":true},"keep":1}]}}';
		const data = jwt.sign(payload, ACCESS_TOKEN, { algorithm: 'HS256' });
		const [item] = (await callWebhook({ body: { data } })).items;
		expect(item.orderId).toBe('o-1');
		expect(Object.prototype.hasOwnProperty.call(item, '__proto__')).toBe(false);
		expect(Object.prototype.hasOwnProperty.call(item, 'constructor')).toBe(false);
		expect(item.nested).toEqual([{ keep: 1 }]);
		expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		const copy = JSON.parse(JSON.stringify(item));
		expect(Object.assign({}, copy).polluted).toBeUndefined();
	});
});

describe('Transak Trigger credential reads', () => {
	it('reads the credential once for a burst of deliveries, not once per delivery', async () => {
		const trigger = countedTrigger();
		for (let i = 0; i < 20; i++) {
			const body = genuine('ORDER_COMPLETED', sampleOrder({ id: `burst-${i}` }));
			expect((await callWebhook({ body, ...trigger })).items).toHaveLength(1);
		}
		expect(trigger.reads).toBe(1);
	});

	it('a token rotated in the credential is accepted at once', async () => {
		const workflowId = freshWorkflowId();
		expect((await callWebhook({ body: genuine(), workflowId })).items).toHaveLength(1);
		const rotated = 'rotated-token-bbbbbbbbbbbbbbbbbb';
		const body = orderWebhookBody(
			'ORDER_COMPLETED',
			sampleOrder({ id: 'after-rotation' }),
			rotated,
		);
		const answer = await callWebhook({ body, workflowId, credentials: { accessToken: rotated } });
		expect(answer.items).toHaveLength(1);
	});

	it('a token refreshed by n8n verifies at once; the token it replaced still does for a while', async () => {
		const workflowId = freshWorkflowId();
		const refreshed = 'refreshed-by-n8n-dddddddddddddddd';
		const stored = {
			currentAccessToken: refreshed,
			currentAccessTokenFor: credentialFingerprint({
				environment: 'staging',
				apiKey: 'test-api-key',
				accessToken: ACCESS_TOKEN,
			}),
		};
		expect((await callWebhook({ body: genuine(), workflowId })).items).toHaveLength(1);
		// Another n8n process refreshed the token and stored it in the credential.
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: 'new-key' }), refreshed);
		expect((await callWebhook({ body, workflowId, credentials: stored })).items).toHaveLength(1);
		const late = genuine('ORDER_COMPLETED', sampleOrder({ id: 'signed-before-the-refresh' }));
		expect((await callWebhook({ body: late, workflowId, credentials: stored })).status).toBe(200);
	});

	it('the token an edited one replaced verifies for 15 minutes, then stops', async () => {
		const workflowId = freshWorkflowId();
		const now = jest.spyOn(Date, 'now');
		const start = Date.now();
		now.mockReturnValue(start);
		try {
			expect((await callWebhook({ body: genuine(), workflowId })).items).toHaveLength(1);
			const credentials = { accessToken: 'replacement-token-cccccccccccccc' };
			now.mockReturnValue(start + 11_000);
			const body = genuine('ORDER_COMPLETED', sampleOrder({ id: 'old-key' }));
			expect((await callWebhook({ body, workflowId, credentials })).status).toBe(200);
			now.mockReturnValue(start + 11_000 + 15 * 60_000);
			const later = genuine('ORDER_COMPLETED', sampleOrder({ id: 'old-key-later' }));
			expect((await callWebhook({ body: later, workflowId, credentials })).status).toBe(401);
		} finally {
			now.mockRestore();
		}
	});

	it('a previous token removed from the credential stops verifying at the next read', async () => {
		const workflowId = freshWorkflowId();
		const previous = 'previous-token-eeeeeeeeeeeeeeee';
		const now = jest.spyOn(Date, 'now');
		const start = 1_900_000_000_000;
		now.mockReturnValue(start);
		try {
			const signedWithPrevious = (id: string) =>
				orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id }), previous);
			const withPrevious = { previousAccessToken: previous };
			expect(
				(
					await callWebhook({
						body: signedWithPrevious('a'),
						workflowId,
						credentials: withPrevious,
					})
				).status,
			).toBe(200);
			now.mockReturnValue(start + 11_000);
			expect((await callWebhook({ body: signedWithPrevious('b'), workflowId })).status).toBe(401);
		} finally {
			now.mockRestore();
		}
	});

	it('200 concurrent forged deliveries cost at most three credential reads', async () => {
		const trigger = countedTrigger();
		const answers = await Promise.all(
			Array.from({ length: 200 }, () => callWebhook({ body: forged(), ...trigger })),
		);
		expect(answers.map((a) => a.status)).toEqual(Array(200).fill(401));
		// The first read, one for the deliveries that arrived after it started, and one a second
		// later for the few that waited.
		expect(trigger.reads).toBeGreaterThanOrEqual(1);
		expect(trigger.reads).toBeLessThanOrEqual(3);
	});

	it('a token edited within a second of the last read still verifies: the delivery waits for the next read', async () => {
		const workflowId = freshWorkflowId();
		const refreshed = 'refreshed-by-n8n-ffffffffffffffff';
		const fingerprint = credentialFingerprint({
			environment: 'staging',
			apiKey: 'test-api-key',
			accessToken: ACCESS_TOKEN,
		});
		const stored = { currentAccessToken: refreshed, currentAccessTokenFor: fingerprint };
		expect((await callWebhook({ body: genuine(), workflowId })).status).toBe(200);
		const first = orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: 'refreshed' }), refreshed);
		expect((await callWebhook({ body: first, workflowId, credentials: stored })).status).toBe(200);
		// Right after that read, the user pastes another token.
		const edited = 'edited-token-gggggggggggggggggggg';
		const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: 'edited' }), edited);
		const started = Date.now();
		const answer = await callWebhook({ body, workflowId, credentials: { accessToken: edited } });
		expect(answer.status).toBe(200);
		expect(Date.now() - started).toBeLessThan(1500);
	});

	it('a forged flood cannot crowd out a genuine delivery signed with a just-edited token', async () => {
		const trigger = countedTrigger();
		await callWebhook({ body: forged(), ...trigger }); // the first read
		await sleep(5);
		await callWebhook({ body: forged(), ...trigger }); // one for it: the next is a second away
		const edited = 'edited-during-flood-hhhhhhhhhhhhhhhh';
		const genuineAfterEdit = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), edited);
		// The credential as stored now, whichever request reads it.
		const credentials = { accessToken: edited };
		const flood = Array.from({ length: 50 }, () =>
			callWebhook({ body: forged(), ...trigger, credentials }),
		);
		const wanted = callWebhook({ body: genuineAfterEdit, ...trigger, credentials });
		const answers = await Promise.all(flood);
		expect((await wanted).status).toBe(200);
		expect(answers.map((a) => a.status)).toEqual(Array(50).fill(401));
		// The flood and the genuine delivery shared the next read (one more, for deliveries that
		// arrived in the very millisecond a read started, may follow it a second later).
		expect(trigger.reads).toBeGreaterThanOrEqual(3);
		expect(trigger.reads).toBeLessThanOrEqual(4);
	});

	it('deliveries no key verifies, in a row: one warning naming the workflow and node, no token', async () => {
		const workflowId = freshWorkflowId();
		const warnings: string[] = [];
		const now = jest.spyOn(Date, 'now');
		let t = 1_900_000_000_000;
		try {
			for (let i = 0; i < 12; i += 1) {
				t += 2_000; // each delivery may read the credential again
				now.mockReturnValue(t);
				const answer = await callWebhook({ body: forged(), workflowId });
				expect(answer.status).toBe(401);
				warnings.push(...answer.logs.filter((l) => l.level === 'warn').map((l) => l.message));
			}
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toContain(
				`Transak Trigger "Transak Trigger" in workflow "test" (${workflowId})`,
			);
			expect(warnings[0]).toContain('3 deliveries in a row failed verification');
			expect(warnings[0]).toContain('signed with an access token the credential does not hold');
			expect(warnings[0]).not.toContain(ACCESS_TOKEN);
			expect(warnings[0]).not.toContain(API_SECRET);

			// A verified delivery ends the run; within the hour a new run does not warn again.
			expect((await callWebhook({ body: genuine(), workflowId })).status).toBe(200);
			for (let i = 0; i < 5; i += 1) {
				t += 2_000;
				now.mockReturnValue(t);
				const { logs } = await callWebhook({ body: forged(), workflowId });
				expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
			}
		} finally {
			now.mockRestore();
		}
	});

	it('forged deliveries re-read the credential at most once a second', async () => {
		const trigger = countedTrigger();
		await callWebhook({ body: genuine(), ...trigger });
		const started = Date.now();
		const pending: Array<Promise<unknown>> = [];
		while (Date.now() - started < 3000) {
			for (let i = 0; i < 5; i++) pending.push(callWebhook({ body: forged(), ...trigger }));
			await sleep(100);
		}
		const answers = (await Promise.all(pending)) as Array<{ status: number }>;
		const seconds = (Date.now() - started) / 1000;
		expect(answers.every((a) => a.status === 401)).toBe(true);
		// The first read, then at most one a second.
		expect(trigger.reads).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
	});
});

describe('Transak Trigger bodies cut off mid-way', () => {
	/**
	 * n8n's live webhook path in small: each request's stream reaches webhook() unread (a body n8n
	 * 2.x leaves to the node: untyped or application/octet-stream). What webhook() returns, or
	 * throws (n8n would then save a failed execution and run the error workflow), is recorded.
	 */
	async function n8nLikeServer() {
		const outcomes: Array<
			Promise<{ returned?: IWebhookResponseData; threw?: unknown; logs: string[] }>
		> = [];
		const server = http.createServer((request, response) => {
			const { context, recorded } = webhookContext({
				parameters: { events: [], options: {} },
				credentials: { environment: 'staging', apiKey: 'k', accessToken: ACCESS_TOKEN },
				workflowId: freshWorkflowId(),
			});
			Object.assign(context, { getBodyData: () => ({}), getRequestObject: () => request });
			outcomes.push(
				new TransakTrigger().webhook
					.call(context)
					.then(
						(returned) => ({
							returned,
							status: recorded.response.statusCode,
							logs: recorded.logs.map((l) => l.message),
						}),
						(threw: unknown) => ({ threw, logs: [] }),
					)
					.finally(() => response.destroy()),
			);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return { server, port: (server.address() as AddressInfo).port, outcomes };
	}

	it.each([['application/octet-stream'], ['']])(
		'content type "%s": the sender disconnects after part of a genuine body: 400, no execution, no throw',
		async (contentType) => {
			const { server, port, outcomes } = await n8nLikeServer();
			const body = JSON.stringify(genuine());
			const socket = net.connect(port, '127.0.0.1');
			socket.on('error', () => undefined);
			socket.write(
				`POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n${contentType ? `Content-Type: ${contentType}\r\n` : ''}Content-Length: ${body.length}\r\n\r\n${body.slice(0, 100)}`,
			);
			while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
			socket.destroy();
			const outcome = await outcomes[0];
			server.close();
			expect(outcome.threw).toBeUndefined();
			expect(outcome.returned).toEqual({ noWebhookResponse: true });
			expect(outcome).toMatchObject({ status: 400 });
			expect(outcome.logs).toEqual([
				'Transak Trigger refused a delivery (400): the request body was cut off',
			]);
		},
	);
});

describe('Personal Data', () => {
	const order = () =>
		sampleOrder({
			walletAddress: '0x1111222233334444555566667777888899990000',
			ipAddress: '203.0.113.77',
		});

	it('Keep (the default, as saved workflows have it) emits the whole order', async () => {
		const sent = order();
		const answer = await callWebhook({ body: genuine('ORDER_COMPLETED', sent) });
		expect(answer.items[0]).toMatchObject(sent);
	});

	it('Remove emits the order without personal or payment data', async () => {
		const sent = order();
		const answer = await callWebhook({
			body: genuine('ORDER_COMPLETED', sent),
			parameters: { personalData: 'remove' },
		});
		expect(answer.status).toBe(200);
		const item = answer.items[0];
		expect(item).toMatchObject({
			eventID: 'ORDER_COMPLETED',
			status: 'COMPLETED',
			orderId: sent.id,
		});
		const text = JSON.stringify(item);
		for (const value of [
			sent.walletAddress,
			sent.ipAddress,
			sent.userId,
			'GB69MOCK00000003743944',
		]) {
			expect(text).not.toContain(value);
		}
	});

	it('Remove still de-duplicates a repeated delivery', async () => {
		const workflowId = freshWorkflowId();
		const body = genuine('ORDER_COMPLETED', order());
		const first = await callWebhook({ body, workflowId, parameters: { personalData: 'remove' } });
		const again = await callWebhook({ body, workflowId, parameters: { personalData: 'remove' } });
		expect(first.items).toHaveLength(1);
		expect(again.items).toHaveLength(0);
		expect(again.status).toBe(200);
	});

	it('Pseudonymise gives the customer the same pseudonym per credential, another with another API key', async () => {
		const sent = order();
		const call = async (apiKey: string, id: string) =>
			(
				await callWebhook({
					body: genuine('ORDER_COMPLETED', { ...sent, id }),
					parameters: { personalData: 'pseudonymise' },
					credentials: { apiKey },
				})
			).items[0];
		const first = await call('api-key-a', 'order-p-1');
		const second = await call('api-key-a', 'order-p-2');
		const other = await call('api-key-b', 'order-p-3');
		expect(first.walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(second.walletAddress).toBe(first.walletAddress);
		expect(other.walletAddress).not.toBe(first.walletAddress);
		expect(JSON.stringify(first)).not.toContain(sent.walletAddress);
	});

	it('Remove drops the IDs of a KYC event', async () => {
		const claims = kycClaims('KYC_REJECTED', 'REJECTED', {
			partnerUserId: 'user-77',
			partnerCustomerId: 'cust-9',
		});
		const answer = await callWebhook({
			body: { data: sign(claims, ACCESS_TOKEN) },
			parameters: { personalData: 'remove' },
		});
		expect(answer.items).toEqual([
			{ eventID: 'KYC_REJECTED', kycStatus: 'REJECTED', status: 'REJECTED' },
		]);
	});
});
