'use strict';
/**
 * Per-webhook handling cost of the Transak Trigger (verify + decode + build the item) against the
 * floor any verifier pays: raw HMAC-SHA256 over the same token + JSON.parse of its payload.
 * Run after `npm run build`. Both are measured in this run, interleaved, so the ratio holds on a
 * noisy machine even when the absolute figures do not.
 */
const crypto = require('crypto');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist', 'nodes', 'Transak');
const { JwtVerifier } = require(path.join(dist, 'verification', 'jwt'));
const { extractToken } = require(path.join(dist, 'webhook', 'body'));
const { handleDelivery } = require(path.join(dist, 'webhook', 'answer'));
const { orderWebhookBody, sampleOrder } = require('../tools/transak/fixtures');

const ACCESS_TOKEN = crypto.randomBytes(32).toString('base64url');
const body = orderWebhookBody('ORDER_COMPLETED', sampleOrder(), ACCESS_TOKEN);
const token = body.data;

const key = crypto.createSecretKey(Buffer.from(ACCESS_TOKEN));
function raw() {
	const firstDot = token.indexOf('.');
	const lastDot = token.lastIndexOf('.');
	const expected = crypto.createHmac('sha256', key).update(token.slice(0, lastDot)).digest();
	const given = Buffer.from(token.slice(lastDot + 1), 'base64url');
	if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
		throw new Error('bad');
	return JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8'));
}

const settings = { verifier: new JwtVerifier([ACCESS_TOKEN]), events: [] };
function handle() {
	const outcome = handleDelivery(extractToken(body), settings);
	if (outcome.emit === undefined) throw new Error(`not emitted: ${outcome.reason}`);
	return outcome.emit.json;
}

function timePerCall(fn, iterations) {
	const start = process.hrtime.bigint();
	for (let i = 0; i < iterations; i++) fn();
	return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

function main() {
	const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
	const iterations = Number(process.env.BENCH_ITERATIONS ?? 2000);
	timePerCall(raw, 2000);
	timePerCall(handle, 2000);
	const rawTimes = [];
	const handleTimes = [];
	for (let r = 0; r < rounds; r++) {
		rawTimes.push(timePerCall(raw, iterations));
		handleTimes.push(timePerCall(handle, iterations));
	}
	const rawUs = median(rawTimes);
	const handleUs = median(handleTimes);
	console.log(`webhook token: ${token.length} bytes`);
	console.log(`raw HMAC-SHA256 + JSON.parse:         ${rawUs.toFixed(1)} us/webhook`);
	console.log(`Transak Trigger verify+decode+item:   ${handleUs.toFixed(1)} us/webhook`);
	console.log(`ratio (target <= 2.0x):               ${(handleUs / rawUs).toFixed(2)}x`);
	return handleUs / rawUs;
}

module.exports = { main };
if (require.main === module) main();
