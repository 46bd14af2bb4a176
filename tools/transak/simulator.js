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
 * @param {() => Promise<string[]>} [options.testWebhookUrls] n8n's test URLs of the Transak
 *   Triggers that may be listening in the editor: each event is also posted there (n8n answers
 *   404 while nobody listens, and those answers are not logged)
 * @param {number} [options.stepMs]
 * @param {boolean} [options.verbose] a line for every event and delivery; otherwise one line per
 *   finished lifecycle
 * @param {(line: string) => void} [options.log]
 */
function startSimulator(options) {
	const log = options.log ?? ((line) => console.log(line));
	const stepMs = options.stepMs ?? 3000;
	let stopped = false;
	let timer;
	let sequence = 0;

	const verbose = options.verbose !== false;
	const detail = (line) => {
		if (verbose) log(line);
	};
	/** What the current lifecycle sent: folded into one line when it ends (without --verbose). */
	let lifecycle = { answers: new Map(), tests: 0 };
	const counted = (answer) =>
		lifecycle.answers.set(answer, (lifecycle.answers.get(answer) ?? 0) + 1);

	async function send(url, token) {
		const res = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ data: token }),
		});
		await res.arrayBuffer();
		return res.status;
	}

	async function post(urls, token, label) {
		for (const url of urls) {
			let answer;
			try {
				answer = String(await send(url, token));
			} catch (error) {
				answer = `failed: ${error.message}`;
			}
			counted(answer);
			detail(`  webhook ${label} -> ${answer} ${new URL(url).pathname}`);
		}
		// Test URLs answer only while the editor listens: a 404 means nobody does.
		let testUrls = [];
		try {
			testUrls = (await options.testWebhookUrls?.()) ?? [];
		} catch {
			// n8n busy or stopping: no test deliveries this time.
		}
		for (const url of testUrls) {
			const status = await send(url, token).catch(() => 0);
			if (status === 404 || status === 0) continue;
			lifecycle.tests += 1;
			log(`  webhook ${label} -> ${status} ${new URL(url).pathname} (the editor was listening)`);
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
		detail(
			`  pusher ${eventID} on ${order.id}, ${key}_${order.partnerOrderId} and ${key} (signed)`,
		);
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
		detail(
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
		detail(`${scenario.name}: user ${partnerUserId} ${eventID} / ${kycStatus}`);
		const claims = kycClaims(eventID, kycStatus, {
			partnerUserId,
			partnerCustomerId: `customer-${sequence}`,
		});
		await post(options.kycWebhookUrls, sign(claims, options.accessToken), eventID);
	}

	function summarise(scenario, subject) {
		const events = scenario.steps.map(([eventID, status]) => `${eventID}/${status}`).join(' -> ');
		const answers = [...lifecycle.answers].map(([answer, n]) => `${n} x ${answer}`).join(', ');
		const pusher =
			scenario.side && options.pusher ? `, ${scenario.steps.length * 3} Pusher events` : '';
		const tests = lifecycle.tests ? `, ${lifecycle.tests} to the editor's test URL` : '';
		log(`${scenario.name}: ${subject} ${events}; webhooks ${answers || 'none'}${pusher}${tests}`);
	}

	/** One scenario after another, a step every `stepMs`, forever (until stop()). */
	async function* steps() {
		for (;;) {
			for (const scenario of [...ORDER_SCENARIOS, ...KYC_SCENARIOS]) {
				sequence += 1;
				lifecycle = { answers: new Map(), tests: 0 };
				let subject;
				let play;
				if (scenario.side) {
					const order = newOrder(scenario, sequence, options.apiKey);
					subject = `order ${order.id} (${order.isBuyOrSell} ${order.fiatAmount} ${order.fiatCurrency})`;
					play = (step) => orderStep(scenario, order, step);
				} else {
					const partnerUserId = crypto.randomUUID();
					subject = `user ${partnerUserId}`;
					play = (step) => kycStep(scenario, partnerUserId, step);
				}
				for (const [index, step] of scenario.steps.entries()) {
					const last = index === scenario.steps.length - 1;
					yield async () => {
						await play(step);
						if (last && !verbose) summarise(scenario, subject);
					};
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
