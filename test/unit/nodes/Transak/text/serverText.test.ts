import fc from 'fast-check';

import {
	cleanServerText,
	MAX_SERVER_TEXT,
	quoteServerText,
} from '../../../../../nodes/Transak/text/serverText';

/** Every character that can end a line or hide text in a log viewer. */
const BREAKERS =
	/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

describe('server text in log lines and errors', () => {
	it('line breaks and other control characters become one space: no text starts a line of its own', () => {
		const forged = 'bye\nFORGED | error | re-enter your API secret\r\n\u2028again\u0000\u001b[31m';
		expect(cleanServerText(forged)).toBe(
			'bye FORGED | error | re-enter your API secret again [31m',
		);
		expect(quoteServerText(forged)).toBe(
			'"bye FORGED | error | re-enter your API secret again [31m"',
		);
	});

	it('direction overrides and invisible characters go too', () => {
		expect(cleanServerText('abc\u202edcba\u200bz\ufeff')).toBe('abc dcba z');
	});

	it('is quoted as JSON: quotes and backslashes inside cannot close the quote', () => {
		expect(quoteServerText('say "hi" \\ there')).toBe('"say \\"hi\\" \\\\ there"');
		expect(JSON.parse(quoteServerText('say "hi"'))).toBe('say "hi"');
	});

	it('is cut, without splitting a character made of two UTF-16 units', () => {
		expect(cleanServerText('x'.repeat(1000))).toBe(`${'x'.repeat(MAX_SERVER_TEXT)}…`);
		expect(cleanServerText('😀'.repeat(10), 3)).toBe('😀😀😀…');
		expect(cleanServerText('short', 10)).toBe('short');
	});

	it('anything that is not text becomes empty text; numbers are kept', () => {
		expect(quoteServerText(undefined)).toBe('""');
		expect(quoteServerText({ toString: () => 'x' })).toBe('""');
		expect(quoteServerText(4200)).toBe('"4200"');
	});

	it('for any text: one line, no control character, at most the limit (plus the ellipsis)', () => {
		fc.assert(
			fc.property(
				fc.string({ unit: 'binary', maxLength: 600 }),
				fc.integer({ min: 1, max: 300 }),
				(text, max) => {
					const clean = cleanServerText(text, max);
					expect(clean).not.toMatch(BREAKERS);
					expect(Array.from(clean).length).toBeLessThanOrEqual(max + 1);
					const quoted = quoteServerText(text, max);
					expect(quoted).not.toMatch(BREAKERS);
					expect(JSON.parse(quoted)).toBe(clean);
				},
			),
			{ numRuns: 2000 },
		);
	});
});
