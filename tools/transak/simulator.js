'use strict';
/**
 * A simulated Transak: plays realistic order and KYC lifecycles as Transak would deliver them,
 * as signed webhooks to n8n and as Pusher events on all three channel kinds, and keeps the fake
 * partner API's orders and webhook history in step so API lookups and recovery see the same data.
 */
const crypto = require('crypto');

const { kycClaims, orderClaims, sampleOrder, sign } = require('./fixtures');

const BUY_COMPLETED = [
	['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
	['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
	['ORDER_PROCESSING', 'PROCESSING'],
	['ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
	['ORDER_COMPLETED', 'COMPLETED'],
];

/** Each scenario: a name, buy or sell, and its (eventID, status) steps. */
const ORDER_SCENARIOS = [
	{ name: 'buy completed', side: 'BUY', steps: BUY_COMPLETED },
	{
		name: 'sell completed',
		side: 'SELL',
		steps: [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
			['ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
			['ORDER_COMPLETED', 'COMPLETED'],
		],
	},
	{
		name: 'card declined',
		side: 'BUY',
		steps: [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_FAILED', 'FAILED'],
		],
	},
	{
		name: 'expired',
		side: 'BUY',
		steps: [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_FAILED', 'EXPIRED'],
		],
	},
	{
		name: 'refunded',
		side: 'BUY',
		steps: [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
			['ORDER_PROCESSING', 'PROCESSING'],
			['ORDER_REFUNDED', 'REFUNDED'],
		],
	},
	{
		name: 'on hold, then completed',
		side: 'SELL',
		steps: [
			['ORDER_CREATED', 'AWAITING_PAYMENT_FROM_USER'],
			['ORDER_PAYMENT_VERIFYING', 'PAYMENT_DONE_MARKED_BY_USER'],
			['ORDER_PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
			['ORDER_PROCESSING', 'ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK'],
			['ORDER_COMPLETED', 'COMPLETED'],
		],
	},
];

const KYC_SCENARIOS = [
	{
		name: 'KYC approved',
		steps: [
			['KYC_SUBMITTED', 'SUBMITTED'],
			['KYC_APPROVED', 'APPROVED'],
		],
	},
	{
		name: 'KYC rejected',
		steps: [
			['KYC_SUBMITTED', 'SUBMITTED'],
			['KYC_REJECTED', 'REJECTED'],
		],
	},
];

const FIAT = [
	['EUR', 'sepa_bank_transfer'],
	['USD', 'credit_debit_card'],
	['GBP', 'gbp_bank_transfer'],
];
const CRYPTO = [
	['ETH', 'ethereum'],
	['USDC', 'polygon'],
	['BTC', 'bitcoin'],
];

function newOrder(scenario, sequence, partnerApiKey) {
	const [fiatCurrency, paymentOptionId] = FIAT[sequence % FIAT.length];
	const [cryptoCurrency, network] = CRYPTO[sequence % CRYPTO.length];
	const fiatAmount = 20 + ((sequence * 37) % 480);
	const now = new Date().toISOString();
	const order = sampleOrder({
		id: crypto.randomUUID(),
		partnerOrderId: `sandbox-${sequence}`,
		isBuyOrSell: scenario.side,
		fiatCurrency,
		cryptoCurrency,
		network,
		paymentOptionId,
		fiatAmount,
		amountPaid: 0,
		cryptoAmount: Number((fiatAmount * 0.0004).toFixed(6)),
		createdAt: now,
		updatedAt: now,
		statusHistories: [],
	});
	delete order.completedAt;
	delete order.transactionHash;
	delete order.transactionLink;
	order.conversionPriceData = { ...order.conversionPriceData, partnerApiKey };
	return order;
}

/**
 * @param {object} options
 * @param {string} options.accessToken signs webhooks and all-orders Pusher events
 * @param {string} options.apiKey names the Pusher channels
 * @param {string[]} options.orderWebhookUrls
 * @param {string[]} options.kycWebhookUrls
 * @param {{ trigger: Function }} [options.pusher] the official `pusher` SDK client
 * @param {object} [options.fakeApi] the fake partner API's handle
 * @param {number} [options.stepMs]
 * @param {(line: string) => void} [options.log]
 */
function startSimulator(options) {
	const log = options.log ?? ((line) => console.log(line));
	const stepMs = options.stepMs ?? 3000;
	let stopped = false;
	let timer;
	let sequence = 0;

	async function post(urls, token, label) {
		for (const url of urls) {
			try {
				const res = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ data: token }),
				});
				log(`  webhook ${label} -> ${res.status} ${new URL(url).pathname}`);
			} catch (error) {
				log(`  webhook ${label} -> failed: ${error.message}`);
			}
		}
	}

	async function publish(order, eventID) {
		if (!options.pusher) return;
		const key = options.apiKey;
		const signed = sign(orderClaims(eventID, order), options.accessToken);
		const sends = [
			[order.id, order],
			[`${key}_${order.partnerOrderId}`, order],
			[key, signed],
		];
		for (const [channel, data] of sends) {
			try {
				await options.pusher.trigger(channel, eventID, data);
			} catch (error) {
				log(`  pusher ${eventID} on ${channel} -> failed: ${error.message}`);
			}
		}
		log(`  pusher ${eventID} on ${order.id}, ${key}_${order.partnerOrderId} and ${key} (signed)`);
	}

	async function orderStep(scenario, order, [eventID, status]) {
		const at = new Date().toISOString();
		order.status = status;
		order.updatedAt = at;
		order.statusHistories = [
			...order.statusHistories,
			{ status, createdAt: at, partnerEventId: eventID },
		];
		if (status === 'COMPLETED') {
			order.completedAt = at;
			order.amountPaid = order.fiatAmount;
			order.transactionHash = `0x${crypto.randomBytes(32).toString('hex')}`;
		}
		options.fakeApi?.addOrder(order);
		options.fakeApi?.addWebhook({ eventID, order });
		log(
			`${scenario.name}: order ${order.id} (${order.isBuyOrSell} ${order.fiatAmount} ${order.fiatCurrency}) ${eventID} / ${status}`,
		);
		await post(
			options.orderWebhookUrls,
			sign(orderClaims(eventID, order), options.accessToken),
			eventID,
		);
		await publish(order, eventID);
	}

	async function kycStep(scenario, partnerUserId, [eventID, kycStatus]) {
		log(`${scenario.name}: user ${partnerUserId} ${eventID} / ${kycStatus}`);
		const claims = kycClaims(eventID, kycStatus, {
			partnerUserId,
			partnerCustomerId: `customer-${sequence}`,
		});
		await post(options.kycWebhookUrls, sign(claims, options.accessToken), eventID);
	}

	/** One scenario after another, a step every `stepMs`, forever (until stop()). */
	async function* steps() {
		for (;;) {
			for (const scenario of [...ORDER_SCENARIOS, ...KYC_SCENARIOS]) {
				sequence += 1;
				if (scenario.side) {
					const order = newOrder(scenario, sequence, options.apiKey);
					for (const step of scenario.steps) yield () => orderStep(scenario, order, step);
				} else {
					const partnerUserId = crypto.randomUUID();
					for (const step of scenario.steps) yield () => kycStep(scenario, partnerUserId, step);
				}
			}
		}
	}

	const queue = steps();
	async function tick() {
		if (stopped) return;
		const { value: step } = await queue.next();
		await step();
		if (!stopped) timer = setTimeout(tick, stepMs);
	}
	timer = setTimeout(tick, options.firstStepMs ?? 1000);

	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
		},
	};
}

module.exports = { startSimulator, ORDER_SCENARIOS, KYC_SCENARIOS };
