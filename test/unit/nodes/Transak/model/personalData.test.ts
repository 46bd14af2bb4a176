import type { IDataObject } from 'n8n-workflow';

import {
	classOf,
	DATA_CLASSES,
	protectPersonalData,
	pseudonymiser,
	type PersonalDataPolicy,
} from '../../../../../nodes/Transak/model/personalData';
import { pseudonymKeyOf } from '../../../../../nodes/Transak/transport/credentials';

const ORDER_WEBHOOK: IDataObject = require('../../../../../tools/transak/completed-order-webhook.json');
const DOCUMENTED: {
	websocketEvent: { event: string; data: IDataObject };
	kycWebhook: { data: IDataObject };
} = require('../../../../../tools/transak/documented-samples.json');

/** Transak's documented records, each from its root (the claims' wrappers opened). */
const SAMPLES: Array<[string, IDataObject]> = [
	['order webhook (claims)', ORDER_WEBHOOK],
	['order webhook (order)', ORDER_WEBHOOK.webhookData as IDataObject],
	['WebSocket event data', DOCUMENTED.websocketEvent.data],
	['KYC webhook', DOCUMENTED.kycWebhook.data],
];

/** Every leaf's path as the table writes it: `a.b`, `list[].field`; wrappers opened at the top. */
function leafPaths(value: unknown, path = ''): string[] {
	if (Array.isArray(value)) return value.flatMap((element) => leafPaths(element, `${path}[]`));
	if (value === null || typeof value !== 'object') return [path];
	const entries = Object.entries(value);
	if (entries.length === 0) return [path];
	return entries.flatMap(([key, child]) => {
		const opened = path === '' && (key === 'webhookData' || key === 'data');
		return leafPaths(child, opened ? '' : path === '' ? key : `${path}.${key}`);
	});
}

/** Keys inside payment blocks that repeat order data (the order's ID, a status, a provider). */
const ORDER_DATA_KEYS = new Set([
	'orderId',
	'status',
	'liquidityProvider',
	'currency',
	'id',
	'name',
]);

/** The values the table calls personal or payment, found in a record (strings of 4+ characters). */
function sensitiveValues(record: IDataObject): string[] {
	const found: string[] = [];
	const collect = (value: unknown, key: string): void => {
		if (Array.isArray(value)) value.forEach((element) => collect(element, key));
		else if (value !== null && typeof value === 'object') {
			for (const [childKey, child] of Object.entries(value)) collect(child, childKey);
		} else if (typeof value === 'string' && value.length >= 4 && !ORDER_DATA_KEYS.has(key)) {
			found.push(value);
		}
	};
	const walk = (value: unknown, path: string, key: string): void => {
		const dataClass = path === '' ? undefined : classOf(path);
		if (dataClass === 'personal' || dataClass === 'payment') return collect(value, key);
		if (Array.isArray(value)) value.forEach((element) => walk(element, `${path}[]`, key));
		else if (value !== null && typeof value === 'object') {
			for (const [childKey, child] of Object.entries(value)) {
				const opened = path === '' && (childKey === 'webhookData' || childKey === 'data');
				walk(child, opened ? '' : path === '' ? childKey : `${path}.${childKey}`, childKey);
			}
		}
	};
	walk(record, '', '');
	return found;
}

const remove: PersonalDataPolicy = { mode: 'remove' };
const pseudonyms = (key: string): PersonalDataPolicy => ({
	mode: 'pseudonymise',
	pseudonymise: pseudonymiser(key),
});

describe('personal data classification', () => {
	it.each(SAMPLES)('classifies every field of the documented %s', (_name, sample) => {
		const unclassified = leafPaths(sample).filter(
			(path) => path !== '' && classOf(path) === undefined,
		);
		expect(unclassified).toEqual([]);
	});

	it('finds a field Transak adds', () => {
		const order = { ...(ORDER_WEBHOOK.webhookData as IDataObject), customerPhone: '+44 7700' };
		expect(leafPaths(order).filter((path) => classOf(path) === undefined)).toEqual([
			'customerPhone',
		]);
	});

	it('classifies the documented personal and payment fields as such', () => {
		for (const path of ['walletAddress', 'ipAddress', 'userId', 'countryCode', 'stateCode']) {
			expect(DATA_CLASSES.get(path)).toBe('personal');
		}
		expect(DATA_CLASSES.get('partnerCustomerId')).toBe('personal');
		expect(DATA_CLASSES.get('cardPaymentData')).toBe('payment');
		expect(classOf('cardPaymentData.pgData.paymentOptions[].fields[].value')).toBe('payment');
		expect(classOf('statusHistories[].message')).toBe('personal');
		expect(classOf('statusHistories[].status')).toBe('order');
	});
});

describe('Remove', () => {
	it.each(SAMPLES)('leaves none of the personal or payment values of the %s', (_name, sample) => {
		const values = sensitiveValues(sample);
		expect(values.length).toBeGreaterThan(0);
		const text = JSON.stringify(protectPersonalData(sample, remove));
		for (const value of values) expect(text).not.toContain(value);
	});

	it("keeps the order's IDs, status, amounts, currencies and pricing", () => {
		const order = ORDER_WEBHOOK.webhookData as IDataObject;
		const kept = protectPersonalData(order, remove);
		for (const field of [
			'id',
			'status',
			'fiatAmount',
			'cryptoAmount',
			'fiatCurrency',
			'cryptoCurrency',
			'network',
			'isBuyOrSell',
			'conversionPriceData',
			'createdAt',
		]) {
			expect(kept[field]).toEqual(order[field]);
		}
		expect(kept).not.toHaveProperty('walletAddress');
		expect(kept).not.toHaveProperty('cardPaymentData');
		expect(kept.statusHistories).toEqual([
			{
				status: 'PENDING_DELIVERY_FROM_TRANSAK',
				createdAt: '2024-08-23T10:33:59.408Z',
				isEmailSentToUser: false,
				partnerEventId: 'ORDER_PROCESSING',
			},
		]);
	});

	it('returns a copy and leaves the record it was given as it was', () => {
		const order = structuredClone(ORDER_WEBHOOK.webhookData) as IDataObject;
		const before = JSON.stringify(order);
		protectPersonalData(order, remove);
		expect(JSON.stringify(order)).toBe(before);
	});

	it('opens a delivery: personal fields beside and inside webhookData', () => {
		const delivery = {
			id: 'delivery-1',
			eventID: 'KYC_SUBMITTED',
			partnerUserId: 'user-1234',
			webhookData: { ...DOCUMENTED.kycWebhook.data },
		};
		const kept = protectPersonalData(delivery, remove);
		expect(kept).toEqual({
			id: 'delivery-1',
			eventID: 'KYC_SUBMITTED',
			webhookData: { kycStatus: 'SUBMITTED', eventID: 'KYC_SUBMITTED' },
		});
	});

	it('is bounded on deep records', () => {
		let deep: IDataObject = { walletAddress: '0xabc' };
		for (let i = 0; i < 5000; i++) deep = { nested: deep };
		expect(JSON.stringify(protectPersonalData(deep, remove))).not.toContain('0xabc');
	});
});

describe('Pseudonymise', () => {
	const order = ORDER_WEBHOOK.webhookData as IDataObject;

	it('replaces each personal value with a keyed hash and drops payment details', () => {
		const out = protectPersonalData(order, pseudonyms('key-a'));
		expect(out.walletAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(out.ipAddress).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(out.userId).toMatch(/^pseud_[0-9a-f]{32}$/);
		expect(out).not.toHaveProperty('cardPaymentData');
		const text = JSON.stringify(out);
		for (const value of sensitiveValues(order)) expect(text).not.toContain(value);
		expect(out.id).toBe(order.id);
	});

	it('gives the same customer the same pseudonym, and another key another', () => {
		const first = protectPersonalData(order, pseudonyms('key-a'));
		const again = protectPersonalData({ ...order, id: 'another-order' }, pseudonyms('key-a'));
		const other = protectPersonalData(order, pseudonyms('key-b'));
		expect(again.walletAddress).toBe(first.walletAddress);
		expect(again.userId).toBe(first.userId);
		expect(other.walletAddress).not.toBe(first.walletAddress);
	});

	it('gives an EVM wallet one pseudonym whatever its checksum casing', () => {
		const hash = pseudonymiser('key-a');
		expect(hash('0xAbCdEf0123')).toBe(hash('0xabcdef0123'));
		expect(hash('0xabcdef0123')).not.toBe(hash('0xabcdef0124'));
	});

	it('keys pseudonyms by the credential: its API key and Pseudonymisation Secret, never the token', () => {
		const base = { apiKey: 'key-1', accessToken: 'token-1' };
		expect(pseudonymKeyOf(base)).toBe(pseudonymKeyOf({ ...base, accessToken: 'token-2' }));
		expect(pseudonymKeyOf(base)).not.toBe(pseudonymKeyOf({ ...base, apiKey: 'key-2' }));
		expect(pseudonymKeyOf(base)).not.toBe(
			pseudonymKeyOf({ ...base, pseudonymSecret: 'my-secret' }),
		);
	});

	it('Keep returns the record as it is', () => {
		expect(protectPersonalData(order, { mode: 'keep' })).toBe(order);
	});
});
