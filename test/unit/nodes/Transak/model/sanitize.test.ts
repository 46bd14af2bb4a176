import fc from 'fast-check';

import {
	MAX_DEPTH,
	NESTED_TOO_DEEP,
	prune,
	sanitize,
	textNestsDeeperThan,
} from '../../../../../nodes/Transak/model/sanitize';

/** How deep a JSON value nests (an object or array is one level), iteratively. */
function depthOf(value: unknown): number {
	let deepest = 0;
	const stack: Array<[unknown, number]> = [[value, 0]];
	while (stack.length > 0) {
		const [node, depth] = stack.pop()!;
		if (node === null || typeof node !== 'object') continue;
		deepest = Math.max(deepest, depth + 1);
		for (const child of Object.values(node)) stack.push([child, depth + 1]);
	}
	return deepest;
}

describe('textNestsDeeperThan', () => {
	const frame = (data: unknown) => JSON.stringify({ event: 'e', data: JSON.stringify(data) });

	it('counts the structure of the text and of the JSON its strings hold', () => {
		expect(textNestsDeeperThan('[[[]]]', 3)).toBe(false);
		expect(textNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
		expect(textNestsDeeperThan('{"a":[{"b":{}}]}', 4)).toBe(false);
		expect(textNestsDeeperThan('{"a":[{"b":{}}]}', 3)).toBe(true);
		expect(textNestsDeeperThan(frame([[[[]]]]), 4)).toBe(true);
		expect(textNestsDeeperThan(frame([[[[]]]]), 5)).toBe(false);
		expect(textNestsDeeperThan('', 0)).toBe(false);
	});

	it('is not fooled by closing brackets in strings, or by brackets written as escapes', () => {
		const hidden = `${'["]]]]",'.repeat(50)}1${']'.repeat(50)}`;
		expect(textNestsDeeperThan(hidden, 49)).toBe(true);
		expect(textNestsDeeperThan(frame(JSON.parse(hidden)), 50)).toBe(true);
		const escaped = `{"event":"e","data":"${'\\u005b'.repeat(60)}${'\\u005d'.repeat(60)}"}`;
		expect(JSON.parse(JSON.parse(escaped).data)).toHaveLength(1);
		expect(textNestsDeeperThan(escaped, 59)).toBe(true);
		// Brackets inside the held JSON's strings are text, as for a parser.
		expect(textNestsDeeperThan(frame({ a: '[[[[[[[[', b: 'x\\"[[[[' }), 2)).toBe(false);
	});

	it('never misses depth: JSON nested deeper than the limit, as text or held in a frame (property)', () => {
		fc.assert(
			fc.property(fc.jsonValue({ maxDepth: 12 }), fc.nat(14), (value, limit) => {
				const depth = depthOf(value);
				if (depth > limit) expect(textNestsDeeperThan(JSON.stringify(value), limit)).toBe(true);
				// Held in a frame (one level more), it is counted exactly.
				expect(textNestsDeeperThan(frame(value), limit)).toBe(depth + 1 > limit);
			}),
			{ numRuns: 2000 },
		);
	});

	it('takes text of any depth without recursion', () => {
		expect(textNestsDeeperThan(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, MAX_DEPTH)).toBe(
			true,
		);
	});
});

describe('prune', () => {
	it('cuts what nests deeper than the limit and drops prototype keys, keeping the rest', () => {
		const deep = JSON.parse(`${'['.repeat(500)}1${']'.repeat(500)}`) as unknown;
		const record = JSON.parse('{"id":"o","status":"COMPLETED","__proto__":{"x":1},"deep":[]}');
		record.deep = deep;
		expect(sanitize(record)).toBeUndefined();
		const pruned = prune(record) as Record<string, unknown>;
		expect(Object.keys(pruned)).toEqual(['id', 'status', 'deep']);
		expect(depthOf(pruned)).toBe(MAX_DEPTH + 1);
		expect(JSON.stringify(pruned)).toContain(JSON.stringify(NESTED_TOO_DEEP));
		expect(sanitize(pruned)).toEqual(pruned);
	});
});
