import fc from 'fast-check';

import {
	orderClaims,
	orderWebhookBody,
	sampleOrder,
	sign,
} from '../../../../tools/transak/fixtures';
import {
	deepJsonText,
	expectWellFormedItem,
	hostileRecordText,
	signText,
	statusLike,
} from '../../support/hostile';
import { ACCESS_TOKEN, callWebhook } from '../../support/webhook';

const GENUINE = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN).data as string;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Edits a genuine token the way a forger or a broken proxy would. */
const mutatedToken = fc
	.oneof(
		fc.record({
			kind: fc.constant('flip'),
			at: fc.nat(),
			char: fc.constantFrom(...BASE64URL.split('')),
		}),
		fc.record({
			kind: fc.constant('delete'),
			at: fc.nat(),
			length: fc.integer({ min: 1, max: 40 }),
		}),
		fc.record({ kind: fc.constant('insert'), at: fc.nat(), text: fc.string({ maxLength: 12 }) }),
		fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
		fc.record({
			kind: fc.constant('header'),
			header: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
		}),
		fc.record({
			kind: fc.constant('alg'),
			alg: fc.constantFrom(
				'none',
				'None',
				'NONE',
				'HS384',
				'HS512',
				'RS256',
				'ES256',
				'hs256',
				'',
				'HS256 ',
			),
		}),
		fc.record({ kind: fc.constant('claims'), claims: fc.jsonValue({ maxDepth: 3 }) }),
		fc.record({ kind: fc.constant('swap') }),
	)
	.map((m): string => {
		const t = GENUINE;
		const [h, p, s] = t.split('.');
		switch (m.kind) {
			case 'flip': {
				const i = m.at % t.length;
				return t.slice(0, i) + m.char + t.slice(i + 1);
			}
			case 'delete': {
				const i = m.at % t.length;
				return t.slice(0, i) + t.slice(i + m.length);
			}
			case 'insert': {
				const i = m.at % t.length;
				return t.slice(0, i) + m.text + t.slice(i);
			}
			case 'truncate':
				return t.slice(0, m.at % t.length);
			case 'header':
				return `${b64(m.header)}.${p}.${s}`;
			case 'alg':
				return `${b64({ alg: m.alg, typ: 'JWT' })}.${p}.${m.alg.toLowerCase().startsWith('none') ? '' : s}`;
			case 'claims':
				return `${h}.${b64(m.claims)}.${s}`;
			default:
				return `${p}.${h}.${s}`;
		}
	})
	.filter((token) => token !== GENUINE);

const randomJwt = fc
	.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 50 }))
	.map(
		([header, claims, signature]) =>
			`${b64(header)}.${b64(claims)}.${Buffer.from(signature).toString('base64url')}`,
	);

const wrongKeyJwt = fc
	.tuple(
		fc.string({ minLength: 1, maxLength: 40 }),
		fc.constantFrom('ORDER_COMPLETED', 'KYC_APPROVED', 'ORDER_FAILED'),
	)
	.filter(([key]) => key !== ACCESS_TOKEN)
	.map(([key, eventID]) => sign(orderClaims(eventID, sampleOrder()), key));

const body = fc.oneof(
	{ weight: 3, arbitrary: mutatedToken.map((data) => ({ body: { data } as unknown })) },
	{ weight: 2, arbitrary: randomJwt.map((data) => ({ body: { data } as unknown })) },
	{ weight: 1, arbitrary: wrongKeyJwt.map((data) => ({ body: { data } as unknown })) },
	{ weight: 1, arbitrary: fc.anything().map((data) => ({ body: { data } as unknown })) },
	{ weight: 1, arbitrary: fc.anything().map((anything) => ({ body: anything as unknown })) },
	{
		weight: 1,
		arbitrary: fc
			.uint8Array({ maxLength: 300 })
			.map((bytes) => ({ body: {} as unknown, rawBody: Buffer.from(bytes) })),
	},
);

describe('Transak Trigger fuzz', () => {
	it('never throws and never starts an execution for 10,000 random and mutated bodies', async () => {
		let runs = 0;
		await fc.assert(
			fc.asyncProperty(
				body,
				async ({ body: requestBody, rawBody }: { body: unknown; rawBody?: Buffer }) => {
					runs += 1;
					const answer = await callWebhook({ body: requestBody, rawBody });
					expect(answer.result.workflowData).toBeUndefined();
					expect([400, 401, 413]).toContain(answer.status);
				},
			),
			{ numRuns: 10_000 },
		);
		expect(runs).toBeGreaterThanOrEqual(10_000);
	}, 120_000);

	it('hostile claims signed with the right key, and deeply nested bodies: never a throw, never a malformed item', async () => {
		const signedClaims = fc
			.record({ eventID: statusLike, record: hostileRecordText(), topLevel: fc.boolean() })
			.map(({ eventID, record, topLevel }) =>
				signText(
					topLevel
						? record
						: `{"eventID":${JSON.stringify(eventID) ?? 'null'},"webhookData":${record}}`,
					ACCESS_TOKEN,
				),
			);
		const request = fc.oneof(
			{ weight: 4, arbitrary: signedClaims.map((data) => ({ body: { data } as unknown })) },
			{
				weight: 1,
				arbitrary: deepJsonText.map((text) => ({
					body: {} as unknown,
					rawBody: Buffer.from(text),
				})),
			},
			{ weight: 1, arbitrary: deepJsonText.map((text) => ({ body: JSON.parse(text) as unknown })) },
		);
		await fc.assert(
			fc.asyncProperty(
				request,
				async ({ body: requestBody, rawBody }: { body: unknown; rawBody?: Buffer }) => {
					const answer = await callWebhook({ body: requestBody, rawBody });
					expect([200, 400]).toContain(answer.status);
					for (const item of answer.items) expectWellFormedItem(item, { event: false });
				},
			),
			{ numRuns: 1000 },
		);
	}, 120_000);

	it('the genuine token itself is accepted (the fuzz starts from a valid delivery)', async () => {
		expect((await callWebhook({ body: { data: GENUINE } })).items).toHaveLength(1);
	});
});
