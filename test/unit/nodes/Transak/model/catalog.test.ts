import * as catalog from '../../../../../nodes/Transak/model/catalog';

const { countryChoices, cryptoChoices, entriesOf, matching, networkChoices } = catalog;
const { paymentMethodChoices, quoteOf } = catalog;

describe('catalog: reading Transak’s answers', () => {
	it('the quote under `response`, copied without prototype keys', () => {
		const body = JSON.parse('{"response": {"quoteId": "q", "constructor": {"x": 1}}}');
		expect(quoteOf(body)).toEqual({ quoteId: 'q' });
		expect(quoteOf({ data: { quoteId: 'd' } })).toEqual({ quoteId: 'd' });
		for (const body of [null, 'text', [], { response: [] }, { response: 'x' }, {}])
			expect(quoteOf(body)).toBeUndefined();
	});

	it('list entries: objects only, too deep ones dropped', () => {
		let deep: Record<string, unknown> = {};
		const root = deep;
		for (let i = 0; i < 200; i++) deep = deep.next = {};
		expect(entriesOf({ response: [{ symbol: 'A' }, 1, null, 'x', [], root] })).toEqual([
			{ symbol: 'A' },
		]);
		expect(entriesOf({ response: {} })).toBeUndefined();
		expect(entriesOf(undefined)).toBeUndefined();
	});

	it('matching: any field, nested paths, any case; everything for an empty search', () => {
		const entries = [
			{ symbol: 'ETH', network: { name: 'base' } },
			{ symbol: 'USDC', network: { name: 'polygon' } },
			{ symbol: 7 },
		];
		expect(matching(entries, 'BASE', ['symbol', 'network.name'])).toEqual([entries[0]]);
		expect(matching(entries, ' usd ', ['symbol'])).toEqual([entries[1]]);
		expect(matching(entries, '7', ['symbol'])).toEqual([entries[2]]);
		expect(matching(entries, '', ['symbol'])).toBe(entries);
	});
});

describe('catalog: choices', () => {
	it('skip entries without their key and those Transak does not allow', () => {
		expect(
			cryptoChoices([
				{ name: 'No symbol', network: { name: 'x' } },
				{ symbol: 'ETH', network: { name: 'ethereum' } },
				{ symbol: 'BAD', isAllowed: false, network: { name: 'x' } },
				{ symbol: 'ETH', name: 'Ether', network: { name: 'base' } },
			]),
		).toEqual([{ name: 'ETH (ETH)', value: 'ETH', description: 'Networks: ethereum, base' }]);
		expect(countryChoices([{ name: 'Nowhere' }, { alpha2: 'FR', name: 'France' }])).toEqual([
			{ name: 'France (FR)', value: 'FR' },
		]);
	});

	it('networks of one symbol, in any case; payment methods without a paymentOptions list', () => {
		const entries = [
			{ symbol: 'USDC', network: { name: 'polygon', chainId: '137' } },
			{ symbol: 'ETH', network: { name: 'ethereum' } },
		];
		expect(networkChoices(entries, ' usdc')).toEqual([
			{ name: 'polygon', value: 'polygon', description: 'Chain ID 137' },
		]);
		expect(
			paymentMethodChoices([
				{ symbol: 'EUR', paymentOptions: 'none' },
				{ symbol: 'USD', paymentOptions: [{ id: 'card', isActive: false }, { id: 'ach' }, 3] },
			]),
		).toEqual([{ name: 'ach', value: 'ach' }]);
	});
});

describe('dropdowns from a list far longer than Transak sends', () => {
	const many = (n: number) =>
		Array.from({ length: n }, (_, i) => ({
			symbol: `C${i}`,
			name: `Coin ${i}`,
			alpha2: `X${i}`,
			network: { name: 'ethereum' },
			paymentOptions: [{ id: `m${i}`, name: `Method ${i}` }],
		}));
	const bound = catalog.MAX_CHOICE_ENTRIES;

	it.each([
		['crypto currencies', catalog.cryptoChoices],
		['networks', (e: never[]) => catalog.networkChoices(e)],
		['fiat currencies', catalog.fiatChoices],
		['payment methods', (e: never[]) => catalog.paymentMethodChoices(e)],
		['countries', catalog.countryChoices],
	] as const)('%s: up to the bound a dropdown, beyond it an error naming the bound', (_, build) => {
		expect((build as (e: unknown[]) => unknown[])(many(bound)).length).toBeGreaterThan(0);
		expect(() => (build as (e: unknown[]) => unknown[])(many(bound + 1))).toThrow(
			`more than the ${bound} a dropdown offers`,
		);
	});
});
