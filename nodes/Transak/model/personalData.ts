/*
 * Personal and payment data in Transak's records, and what the Personal Data option does with it.
 *
 * Every field of Transak's documented samples is classified here, once: `personal` (identifies the
 * end user, or is as good as doing so), `payment` (payment and bank details) or `order` (what an
 * order or KYC check is: IDs, statuses, amounts, currencies, fees, times). Paths name a field from
 * the record's root; `[]` stands for every element of an array. A class on an object covers all
 * of it. Sources:
 * - ORDER: the order webhook sample of Transak's "Webhooks" page (tools/transak/completed-order-webhook.json);
 * - WS: the sample event of Transak's "WebSockets" page (order created on any channel);
 * - KYC: the KYC webhook samples of Transak's "Webhooks" page (Whitelabel API).
 * test/unit/nodes/Transak/model/personalData.test.ts walks those samples and fails on any field
 * this table does not classify, so a field Transak adds is noticed.
 */
import { createHmac } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { isObject } from './guards';
import { MAX_DEPTH, NESTED_TOO_DEEP } from './sanitize';

export type DataClass = 'personal' | 'payment' | 'order';

const PERSONAL: readonly string[] = [
	'walletAddress', // ORDER, WS: the customer's wallet
	'walletLink', // ORDER, WS: an explorer link to that wallet
	'userId', // ORDER, WS: Transak's ID of the customer
	'ipAddress', // ORDER, WS
	'countryCode', // ORDER, WS: where the customer is
	'stateCode', // ORDER, WS
	'addressAdditionalData', // ORDER, WS: the wallet's memo or tag when the network needs one
	'transactionHash', // ORDER: on-chain, it leads to the wallet
	'transactionLink', // ORDER
	'tokenContractAddress', // WS: kept with the wallet data (a contract, rarely personal)
	'statusHistories[].message', // ORDER: free text that may carry the customer's name or email
	'partnerUserId', // KYC: the customer's ID in the partner's system
	'partnerCustomerId', // KYC, widget and quote requests
	'email', // widget and quote requests
];

const PAYMENT: readonly string[] = [
	'cardPaymentData', // ORDER, WS: payment and bank details (IBAN, bank name and address)
];

const ORDER: readonly string[] = [
	// ORDER and WS
	'id',
	'createdAt',
	'updatedAt',
	'completedAt',
	'status',
	'fiatCurrency',
	'cryptoCurrency',
	'isBuyOrSell',
	'fiatAmount',
	'amountPaid',
	'paymentOptionId',
	'quoteId',
	'orderProcessingType',
	'network',
	'conversionPrice',
	'cryptoAmount',
	'totalFeeInFiat',
	'fiatAmountInUsd',
	'partnerOrderId',
	'orderChannelType',
	'userKycType',
	'isFirstOrder',
	'partnerFeeInLocalCurrency',
	'statusHistories[].status',
	'statusHistories[].createdAt',
	'statusHistories[].isEmailSentToUser',
	'statusHistories[].partnerEventId',
	// Transak's pricing of the order (rates, swaps, fees, costs): no customer data.
	'conversionPriceData',
	// KYC
	'kycStatus',
	// What the package adds on top of every item, and the claims around a webhook's order.
	'eventID',
	'orderId',
	'_id',
];

/** Every classified path, written once above. */
export const DATA_CLASSES: ReadonlyMap<string, DataClass> = new Map([
	...ORDER.map((path) => [path, 'order'] as const),
	...PERSONAL.map((path) => [path, 'personal'] as const),
	...PAYMENT.map((path) => [path, 'payment'] as const),
]);

/** The class of a path, or of the nearest classified object holding it. */
export function classOf(path: string): DataClass | undefined {
	for (let at = path; ;) {
		const own = DATA_CLASSES.get(at);
		if (own !== undefined) return own;
		const cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('[]'));
		if (cut <= 0) return undefined;
		at = at.slice(0, cut);
	}
}

/** Where Transak wraps a record: webhook claims and deliveries (`webhookData`), KYC claims (`data`). */
const RECORD_WRAPPERS: ReadonlySet<string> = new Set(['webhookData', 'data']);

export const PERSONAL_DATA_MODES = ['keep', 'remove', 'pseudonymise'] as const;
export type PersonalDataMode = (typeof PERSONAL_DATA_MODES)[number];

export function isPersonalDataMode(value: unknown): value is PersonalDataMode {
	return (PERSONAL_DATA_MODES as readonly unknown[]).includes(value);
}

/** Replaces a personal value with a keyed hash; the same value and key give the same pseudonym. */
export type Pseudonymise = (value: unknown) => string;

const PSEUDONYM_PREFIX = 'pseud_';

/**
 * Pseudonyms keyed by `key` (HMAC-SHA256, 128 bits shown). EVM addresses are compared without their
 * checksum casing, so one wallet gets one pseudonym however Transak writes it.
 */
export function pseudonymiser(key: string): Pseudonymise {
	return (value) => {
		const raw = typeof value === 'string' ? value : JSON.stringify(value);
		const canonical = /^0x[0-9a-f]+$/i.test(raw) ? raw.toLowerCase() : raw;
		const digest = createHmac('sha256', key).update(canonical).digest('hex');
		return `${PSEUDONYM_PREFIX}${digest.slice(0, 32)}`;
	};
}

export interface PersonalDataPolicy {
	mode: PersonalDataMode;
	/** Required for `pseudonymise`. */
	pseudonymise?: Pseudonymise;
}

function protectAt(
	value: unknown,
	path: string,
	policy: PersonalDataPolicy,
	depth: number,
): unknown {
	// Records are cut at this depth already; what is deeper is not kept, whatever it holds.
	if (depth > MAX_DEPTH) return NESTED_TOO_DEEP;
	if (Array.isArray(value)) {
		return value.map((element) => protectAt(element, `${path}[]`, policy, depth + 1));
	}
	if (!isObject(value)) return value;
	const copy: IDataObject = {};
	for (const [key, child] of Object.entries(value)) {
		if (key === '__proto__') continue; // sanitize drops it first; never set a prototype here
		const childPath = path === '' ? (RECORD_WRAPPERS.has(key) ? '' : key) : `${path}.${key}`;
		const dataClass = DATA_CLASSES.get(childPath);
		if (dataClass === 'payment') continue;
		if (dataClass === 'personal') {
			if (policy.mode === 'pseudonymise' && child !== null && child !== undefined && child !== '') {
				copy[key] = policy.pseudonymise!(child);
			}
			continue;
		}
		copy[key] =
			childPath === ''
				? (protectAt(child, '', policy, depth + 1) as IDataObject)
				: dataClass === 'order' && !Array.isArray(child)
					? child
					: (protectAt(child, childPath, policy, depth + 1) as IDataObject);
	}
	return copy;
}

/**
 * An order or KYC record as the Personal Data option wants it: `keep` returns it as it is; `remove`
 * drops every personal and payment field; `pseudonymise` drops payment fields and replaces each
 * personal value with its pseudonym. Fields this table does not know are kept. A record wrapped in
 * `webhookData` or `data` at the top is treated as a record. Returns a copy.
 */
export function protectPersonalData(record: IDataObject, policy: PersonalDataPolicy): IDataObject {
	if (policy.mode === 'keep') return record;
	return protectAt(record, '', policy, 0) as IDataObject;
}
