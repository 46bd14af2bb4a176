/**
 * Hostile payloads for the property tests of every path (webhook, Pusher, recovery, API items),
 * and the check that an item is one n8n can run and save.
 *
 * Payloads come as JSON text where they nest deeply: building them as objects and serialising
 * them would overflow the test's own stack before the product saw them.
 */
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { deepCopy, type IDataObject } from 'n8n-workflow';

import { MAX_DEPTH } from '../../../nodes/Transak/model/sanitize';
import { KYC_EVENTS, ORDER_EVENTS, ORDER_STATUSES } from '../../../nodes/Transak/model/statuses';
import { sampleOrder } from '../../../tools/transak/fixtures';

/** Names of Object.prototype members, and the keys that reach a prototype. */
export const PROTOTYPE_NAMES = [
	'__proto__',
	'constructor',
	'prototype',
	'toString',
	'valueOf',
	'hasOwnProperty',
	'isPrototypeOf',
	'propertyIsEnumerable',
	'toLocaleString',
	'__defineGetter__',
	'__lookupSetter__',
] as const;

const EVENT_IDS = [...ORDER_EVENTS, ...KYC_EVENTS].map((option) => String(option.value));

/** Text a log line or a lookup table would not expect. */
export const oddText = fc.oneof(
	fc.constantFrom(...PROTOTYPE_NAMES),
	fc.constantFrom('', ' ', 'UNKNOWN', 'null', 'undefined', 'NaN', '\n', 'a\r\nFORGED | error |'),
	fc.string({ maxLength: 20 }),
	fc.string({ unit: 'binary', maxLength: 10 }),
);

/** A key: mostly ordinary, often a prototype name. */
const key = fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 8 }) }, oddText);

/** A status or event value: genuine, prototype names, odd text, or no text at all. */
export const statusLike = fc.oneof(
	fc.constantFrom(...ORDER_STATUSES),
	fc.constantFrom(...EVENT_IDS),
	oddText,
	fc.constantFrom(null, 0, 1.5, true, [], {}, ['COMPLETED'], { status: 'COMPLETED' }),
);

/** Small JSON values with hostile keys, as JSON.parse would give them (own `__proto__` keys). */
export const smallJson: fc.Arbitrary<unknown> = fc
	.letrec((tie) => ({
		value: fc.oneof(
			{ depthSize: 'small', withCrossShrink: true },
			fc.constantFrom(null, true, false, 0, -1, 1e308, 'x'),
			oddText,
			fc.array(tie('value'), { maxLength: 3 }),
			fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => {
				const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
				return JSON.parse(text) as unknown;
			}),
		),
	}))
	.value.map((value) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown);

/** JSON text nested `depth` levels deep (arrays or objects), with a prototype key at the bottom. */
export const deepJsonText = fc
	.record({
		depth: fc.integer({ min: MAX_DEPTH - 2, max: 6000 }),
		objects: fc.boolean(),
		bottom: fc.constantFrom(...PROTOTYPE_NAMES),
	})
	.map(({ depth, objects, bottom }) => {
		const leaf = `{${JSON.stringify(bottom)}:{"polluted":true}}`;
		return objects
			? `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`
			: `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
	});

/** What to do to one field of a genuine order (very long histories only where asked for). */
const mutation = (longHistories: boolean) =>
	fc.oneof(
		fc.record({ kind: fc.constant('set' as const), field: key, value: smallJson }),
		fc.record({ kind: fc.constant('status' as const), value: statusLike }),
		fc.record({ kind: fc.constant('id' as const), value: statusLike }),
		fc.record({
			kind: fc.constant('drop' as const),
			field: fc.constantFrom('id', 'status', 'statusHistories', 'createdAt', 'updatedAt'),
		}),
		fc.record({ kind: fc.constant('deep' as const), field: key, text: deepJsonText }),
		fc.record({
			kind: fc.constant('history' as const),
			// Past 130,000 entries, spreading a history into one call overflows the stack.
			length: longHistories
				? fc.oneof(
						{ weight: 9, arbitrary: fc.nat(20) },
						{ weight: 1, arbitrary: fc.constant(150_000) },
					)
				: fc.nat(20),
		}),
	);

/**
 * A genuine order (as Transak's docs show it) with a few hostile edits, as JSON text: mutated
 * fields, prototype-named keys and statuses, deep nesting, and (`longHistories`) histories of
 * 150,000 entries.
 */
export const mutatedOrderText = (longHistories = false) =>
	fc
		.record({
			mutations: fc.array(mutation(longHistories), { maxLength: 4 }),
			updatedAt: fc.constantFrom(new Date().toISOString(), 'yesterday', 0, null),
		})
		.map(({ mutations, updatedAt }) => {
			const order: Record<string, unknown> = sampleOrder({ updatedAt });
			const raw: string[] = [];
			for (const edit of mutations) {
				switch (edit.kind) {
					case 'set':
						order[edit.field] = edit.value;
						break;
					case 'status':
						order.status = edit.value;
						break;
					case 'id':
						order.id = edit.value;
						break;
					case 'drop':
						delete order[edit.field];
						break;
					case 'deep':
						raw.push(`${JSON.stringify(edit.field)}:${edit.text}`);
						break;
					case 'history':
						order.statusHistories = Array.from({ length: edit.length }, (_, i) => ({
							createdAt: new Date(i).toISOString(),
						}));
						break;
				}
			}
			const text = JSON.stringify(order);
			return raw.length === 0 ? text : `{${raw.join(',')},${text.slice(1)}`;
		});

/** A hostile record: a mutated order, any small JSON, or deep nesting, as JSON text. */
export const hostileRecordText = (longHistories = false) =>
	fc.oneof(
		{ weight: 4, arbitrary: mutatedOrderText(longHistories) },
		{ weight: 1, arbitrary: smallJson.map((value) => JSON.stringify(value) ?? 'null') },
		{ weight: 1, arbitrary: deepJsonText },
	);

/** Claims given as JSON text, signed as Transak signs (HS256): any text at all, deep included. */
export function signText(claims: string, key: string): string {
	return jwt.sign(claims, key, { algorithm: 'HS256' });
}

/** Every object and array under `value`, iteratively, with its depth. */
function* walk(value: unknown): Generator<{ node: object; depth: number }> {
	const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
	while (stack.length > 0) {
		const { node, depth } = stack.pop()!;
		if (node === null || typeof node !== 'object') continue;
		yield { node, depth };
		for (const child of Object.values(node)) stack.push({ node: child, depth: depth + 1 });
	}
}

/**
 * Checks that `json` is an item n8n can take: string `eventID` and `status` (and `orderId` for
 * events), no key that reaches a prototype, nested no deeper than the limit, and it survives what
 * n8n does with items (its deep copy, JSON for saving the execution).
 */
export function expectWellFormedItem(json: unknown, { event = true } = {}): void {
	expect(json !== null && typeof json === 'object' && !Array.isArray(json)).toBe(true);
	const item = json as IDataObject;
	expect(typeof item.eventID).toBe('string');
	expect(typeof item.status).toBe('string');
	expect((item.status as string).length).toBeGreaterThan(0);
	if (event) {
		expect((item.eventID as string).length).toBeGreaterThan(0);
		expect(typeof item.orderId).toBe('string');
		expect((item.orderId as string).length).toBeGreaterThan(0);
	}
	// Plain checks in the loop (an item may hold 150,000 entries), one expectation after it.
	let deepest = 0;
	const forbidden: string[] = [];
	for (const { node, depth } of walk(item)) {
		deepest = Math.max(deepest, depth);
		for (const key of ['__proto__', 'constructor', 'prototype'])
			if (Object.prototype.hasOwnProperty.call(node, key)) forbidden.push(key);
	}
	expect({ deepest: deepest <= MAX_DEPTH + 1, forbidden }).toEqual({
		deepest: true,
		forbidden: [],
	});
	expect(JSON.parse(JSON.stringify(item))).toEqual(deepCopy(item));
	expect(({} as IDataObject).polluted).toBeUndefined();
}
