/**
 * Stack traces of failing tests point at the TypeScript lines (tsconfig.test.json's source maps):
 * without them ts-jest's output is off by the lines type annotations and imports take.
 */
import * as fs from 'fs';

test('an error thrown here names this line of this file', () => {
	const error = new Error('where am I');
	const frame = /source-maps\.test\.ts:(\d+):\d+/.exec(error.stack ?? '');
	const expected =
		fs
			.readFileSync(__filename, 'utf8')
			.split('\n')
			.findIndex((line) => line.includes("new Error('where am I')")) + 1;
	expect(Number(frame?.[1])).toBe(expected);
});
