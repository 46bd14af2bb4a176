/**
 * The Transak node's description, and what applies to every read (Personal Data). Each operation
 * has its own file under actions/.
 */

import { Transak } from '../../../../nodes/Transak/Transak.node';
import { transakNodePerTest } from '../../support/api';

const api = transakNodePerTest();
const { run } = api;

describe('Transak node description', () => {
	it('is the contract’s `transak` node, usable as a tool, with the transakApi credential', () => {
		const { description } = new Transak();
		expect(description.name).toBe('transak');
		expect(description.displayName).toBe('Transak');
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([{ name: 'transakApi', required: true }]);
		expect(description.icon).toEqual({ light: 'file:transak.svg', dark: 'file:transak.dark.svg' });
		const names = description.properties.map((p) => p.name);
		for (const name of ['resource', 'operation', 'orderId', 'returnAll', 'limit', 'filters']) {
			expect(names).toContain(name);
		}
	});
});

describe('Personal Data on order and delivery reads', () => {
	it('order get: Remove drops the wallet, Pseudonymise replaces it, Keep (the default) keeps it', async () => {
		const order = api.fake.orders[4];
		expect(typeof order.walletAddress).toBe('string');
		const get = async (personalData?: string) =>
			(
				await run({
					resource: 'order',
					operation: 'get',
					orderId: String(order.id),
					...(personalData === undefined ? {} : { personalData }),
				})
			)[0];
		const kept = await get();
		const removed = await get('remove');
		const pseudonymised = await get('pseudonymise');
		expect(kept.json.walletAddress).toBe(order.walletAddress);
		expect(removed.json).not.toHaveProperty('walletAddress');
		expect(removed.json).toMatchObject({ orderId: order.id, status: order.status });
		expect(removed.pairedItem).toEqual({ item: 0 });
		expect(pseudonymised.json.walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
	});

	it('order getAll: the same customer gets the same pseudonym on every order', async () => {
		const items = await run({
			resource: 'order',
			operation: 'getAll',
			returnAll: false,
			limit: 5,
			filters: {},
			personalData: 'pseudonymise',
		});
		expect(items).toHaveLength(5);
		const byWallet = new Map<unknown, unknown>();
		for (const item of items) {
			const original = api.fake.orders.find((o) => o.id === item.json.orderId)!;
			expect(item.json.walletAddress).toMatch(/^pseud_/);
			const seen = byWallet.get(original.walletAddress);
			if (seen !== undefined) expect(item.json.walletAddress).toBe(seen);
			byWallet.set(original.walletAddress, item.json.walletAddress);
			expect(JSON.stringify(item.json)).not.toContain(String(original.walletAddress));
		}
	});

	it('webhook getAll: Remove drops personal data inside the delivered order', async () => {
		const order = api.fake.orders[0];
		api.fake.addWebhook({
			id: 'w-pd',
			eventID: 'ORDER_COMPLETED',
			order: { ...order, status: 'COMPLETED' },
		});
		const items = await run({
			resource: 'webhook',
			operation: 'getAll',
			returnAll: true,
			webhookFilters: {},
			personalData: 'remove',
		});
		const delivery = items.find((i) => i.json.id === 'w-pd')!;
		expect(delivery.json).toMatchObject({ orderId: order.id, status: 'COMPLETED' });
		expect(JSON.stringify(delivery.json)).not.toContain(String(order.walletAddress));
	});
});
