/**
 * Property tests of the Pusher path, end to end through real pusher-js: random and mutated
 * payloads (prototype names as event names, keys and statuses; nesting thousands of levels deep;
 * frames no Pusher server sends) are published on a public channel and, signed, on the
 * all-orders channel. Whatever comes, the trigger never throws, never reports an error, never
 * emits a malformed item, and the genuine event published after them is emitted.
 */
import fc from 'fast-check';

import {
	deepJsonText,
	expectWellFormedItem,
	hostileRecordText,
	oddText,
	PROTOTYPE_NAMES,
	signText,
	smallJson,
} from '../../support/hostile';
import {
	ACCESS_TOKEN,
	API_KEY,
	signedOrder,
	triggerSuite,
	type Harness,
} from '../../support/pusher';
import { until } from '../../support/wait';

const suite = triggerSuite();

const eventName = fc
	.oneof(
		fc.constantFrom('ORDER_COMPLETED', 'ORDER_FAILED', 'ORDER_PROCESSING', 'KYC_APPROVED'),
		fc.constantFrom(...PROTOTYPE_NAMES),
		oddText,
	)
	// pusher:* and pusher_internal:* events are the protocol's own (a subscription_error is a
	// refusal, tested elsewhere).
	.filter((name) => !name.startsWith('pusher'));

/** What a hostile public channel carries: records as JSON, odd text, tokens of random claims. */
const publicData = fc.oneof(
	{ weight: 4, arbitrary: hostileRecordText() },
	{ weight: 1, arbitrary: oddText },
	{
		weight: 1,
		arbitrary: hostileRecordText().map((claims) => signText(claims, ACCESS_TOKEN)),
	},
);

/** A frame no Pusher server sends, as text. */
const rawFrame = (channel: string) =>
	fc.oneof(
		fc
			.record({ event: smallJson, data: smallJson, channel: fc.constantFrom(channel, 5, null) })
			.map((frame) => JSON.stringify(frame)),
		smallJson.map((value) => JSON.stringify(value) ?? 'null'),
		deepJsonText,
		fc.string({ maxLength: 30 }),
	);

type Publish = { kind: 'event'; name: string; data: string } | { kind: 'raw'; text: string };

const publication = (channel: string, data: fc.Arbitrary<string>) =>
	fc.oneof(
		{
			weight: 5,
			arbitrary: fc
				.record({ name: eventName, data })
				.map(({ name, data: text }): Publish => ({ kind: 'event', name, data: text })),
		},
		{ weight: 1, arbitrary: rawFrame(channel).map((text): Publish => ({ kind: 'raw', text })) },
	);

let sentinels = 0;

/** Publishes the batch, then a genuine event, and checks what the trigger emitted meanwhile. */
async function publishAndCheck(
	harness: Harness,
	channel: string,
	batch: Publish[],
	genuine: (id: string) => string,
) {
	const before = harness.emitted.length;
	for (const item of batch) {
		if (item.kind === 'raw') suite.server.sendRaw(item.text);
		else suite.server.publish(channel, item.name, item.data);
	}
	sentinels += 1;
	const id = `sentinel-${sentinels}`;
	suite.server.publish(channel, 'ORDER_COMPLETED', genuine(id));
	await until(
		() => harness.emitted.some((item) => item.orderId === id),
		5000,
		'the genuine event after the hostile ones',
	);
	for (const item of harness.emitted.slice(before)) expectWellFormedItem(item);
	expect(harness.errors).toEqual([]);
}

describe('WebSocket trigger fuzz', () => {
	it('a public channel: hostile events never stop the trigger, never yield a malformed item', async () => {
		const channel = 'fuzz-order';
		const harness = await suite.start({ channel: 'orderId', orderId: channel });
		await fc.assert(
			fc.asyncProperty(
				fc.array(publication(channel, publicData), { minLength: 1, maxLength: 4 }),
				(batch) =>
					publishAndCheck(harness, channel, batch, (id) =>
						JSON.stringify({ id, status: 'COMPLETED' }),
					),
			),
			{ numRuns: 150 },
		);
	}, 120_000);

	it('the all-orders channel: hostile claims signed with the right key never stop the trigger, never yield a malformed item', async () => {
		const harness = await suite.start({ channel: 'allOrders' });
		const claims = fc.oneof(
			fc
				.record({ eventID: fc.oneof(eventName, smallJson), record: hostileRecordText() })
				.map(
					({ eventID, record }) =>
						`{"eventID":${JSON.stringify(eventID) ?? 'null'},"webhookData":${record}}`,
				),
			hostileRecordText(),
		);
		const signed = fc.oneof(
			{ weight: 4, arbitrary: claims.map((text) => signText(text, ACCESS_TOKEN)) },
			{ weight: 1, arbitrary: publicData },
		);
		await fc.assert(
			fc.asyncProperty(
				fc.array(publication(API_KEY, signed), { minLength: 1, maxLength: 4 }),
				(batch) =>
					publishAndCheck(harness, API_KEY, batch, (id) =>
						signedOrder('ORDER_COMPLETED', { id, status: 'COMPLETED' }),
					),
			),
			{ numRuns: 100 },
		);
	}, 120_000);
});
