'use strict';
/**
 * Transak-shaped test data and signing helpers, shared by unit tests, e2e tests, benches and the
 * sandbox simulator. The COMPLETED sample is the decrypted payload from Transak's webhook docs.
 */
const crypto = require('crypto');
const jwt = require('jsonwebtoken');

const SAMPLE = require('./completed-order-webhook.json');

/**
 * The seed's complete COMPLETED order (~6 KB signed).
 * @param {Record<string, unknown>} [overrides]
 * @returns {Record<string, any>}
 */
function sampleOrder(overrides = {}) {
	return { ...structuredClone(SAMPLE.webhookData), ...overrides };
}

/** Every event/status pair Transak documents, for buy (on-ramp) and sell (off-ramp). */
const ORDER_LIFECYCLE = {
	BUY: [
		['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
		['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
		['ORDER_PROCESSING', 'PROCESSING'],
		['ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
		['ORDER_COMPLETED', 'COMPLETED'],
		['ORDER_FAILED', 'CANCELLED'],
		['ORDER_FAILED', 'FAILED'],
		['ORDER_REFUNDED', 'REFUNDED'],
		['ORDER_EXPIRED', 'EXPIRED'],
		['ORDER_FAILED', 'EXPIRED'],
	],
	SELL: [
		['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
		['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
		['ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
		['ORDER_PROCESSING', 'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK'],
		['ORDER_COMPLETED', 'COMPLETED'],
		['ORDER_FAILED', 'EXPIRED'],
		['ORDER_FAILED', 'FAILED'],
		['ORDER_FAILED', 'CANCELLED'],
		['ORDER_REFUNDED', 'REFUNDED'],
	],
};

const KYC_LIFECYCLE = [
	['KYC_SUBMITTED', 'SUBMITTED'],
	['KYC_APPROVED', 'APPROVED'],
	['KYC_REJECTED', 'REJECTED'],
];

/**
 * Signs claims as Transak does: HS256 with the access token string as the key.
 * @param {string | object} claims
 * @param {string} key
 * @param {import('jsonwebtoken').SignOptions} [options]
 */
function sign(claims, key, options = {}) {
	return jwt.sign(claims, key, { algorithm: 'HS256', noTimestamp: true, ...options });
}

/** `{webhookData, eventID, createdAt}` as Transak's order webhooks carry. */
function orderClaims(eventID, order) {
	return { webhookData: order, eventID, createdAt: new Date().toISOString() };
}

/**
 * KYC claims, at top level (`nested: false`) or under `data` as another docs page shows.
 * @param {string} eventID
 * @param {string} kycStatus
 * @param {{ partnerUserId?: string, partnerCustomerId?: string, nested?: boolean }} [options]
 */
function kycClaims(eventID, kycStatus, options = {}) {
	const { partnerUserId = crypto.randomUUID(), partnerCustomerId, nested = false } = options;
	const body = { kycStatus, eventID, partnerUserId };
	if (partnerCustomerId !== undefined) body.partnerCustomerId = partnerCustomerId;
	return nested ? { data: body } : body;
}

/** The HTTP body of an order webhook. */
function orderWebhookBody(eventID, order, key, options) {
	return { data: sign(orderClaims(eventID, order), key, options) };
}

/**
 * An order event as the all-orders Pusher channel carries it: a JWT signed with `key`, or forged
 * (signed with a random key) when there is none.
 */
function signedOrder(eventID, order, key) {
	const claims = orderClaims(eventID, order);
	return key === undefined ? forge(claims) : sign(claims, key);
}

/** `count` COMPLETED order webhook bodies for distinct orders `<prefix>-<i>`, signed with `key`. */
function completedOrderBodies(count, prefix, key) {
	return Array.from({ length: count }, (_, i) =>
		orderWebhookBody('ORDER_COMPLETED', sampleOrder({ id: `${prefix}-${i}` }), key),
	);
}

/** A token with a valid-looking shape whose signature was made with another key. */
function forge(claims) {
	return sign(claims, crypto.randomBytes(32).toString('hex'));
}

/** `alg: none`: header and payload, empty signature. */
function unsigned(claims) {
	const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
	return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** The Transak node's Get Quote parameters for a buy of 100 EUR of ETH on Ethereum. */
const QUOTE_PARAMETERS = Object.freeze({
	resource: 'quote',
	operation: 'get',
	isBuyOrSell: 'BUY',
	fiatCurrency: 'EUR',
	cryptoCurrency: 'ETH',
	network: 'ethereum',
	amountIn: 'fiat',
	amount: 100,
});

module.exports = {
	QUOTE_PARAMETERS,
	SAMPLE,
	sampleOrder,
	ORDER_LIFECYCLE,
	KYC_LIFECYCLE,
	sign,
	orderClaims,
	kycClaims,
	orderWebhookBody,
	completedOrderBodies,
	signedOrder,
	forge,
	unsigned,
};
