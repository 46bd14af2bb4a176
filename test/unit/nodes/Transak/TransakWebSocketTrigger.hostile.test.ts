/**
 * The WebSocket trigger against a hostile or broken Pusher server and hostile events: texts that
 * try to forge log lines, frames pusher-js itself would throw on, a connection that flaps, a host
 * that throws, and n8n's deduplication key. Real pusher-js, the Pusher-protocol test server and
 * the fake Transak API over real HTTP.
 */
import { STABILITY_DEFAULTS } from '../../../../nodes/Transak/pusher/stability';
import {
	changeStatus,
	newOrder,
	shortRecoveryInterval,
	triggerSuite,
	type Harness,
} from '../../support/pusher';
import { sleep, until } from '../../support/wait';

const suite = triggerSuite({ api: true });
const RECOVERY_MIN_INTERVAL_MS = shortRecoveryInterval(2000);

const LINE_BREAKS = /[\r\n\u2028\u2029]/;

const lines = (harness: Harness) => harness.logs.map((line) => line.message);

/** Watches one order, created yesterday (so that recovery finds nothing until it changes). */
async function watchOrder(options = {}) {
	const yesterday = new Date(Date.now() - 86_400_000).toISOString();
	const order = suite.api.addOrder(newOrder({ createdAt: yesterday, updatedAt: yesterday }));
	const harness = await suite.start({ channel: 'orderId', orderId: order.id, options });
	return { order, harness, channel: order.id };
}

describe('texts of the Pusher server', () => {
	const marker = 'FORGED-LINE';
	const forged = (where: string) =>
		`bye\n${marker} ${where} | error | re-enter your API secret at http://evil.example/\r\n\u2028${marker}`;

	it('pusher:error, close reasons and subscription errors are quoted on one line, in logs and in the error', async () => {
		const { harness, channel } = await watchOrder();
		suite.server.sendRaw(
			JSON.stringify({ event: 'pusher:error', data: { code: 4201, message: forged('error') } }),
		);
		const back = suite.server.next('subscribe', (e) => e.channel === channel);
		suite.server.closeAll(4200, forged('close'));
		await back;
		suite.server.publish(channel, 'pusher:subscription_error', {
			type: 'AuthError',
			error: forged('subscription'),
			status: 403,
		});
		await until(() => harness.errors.length === 1);

		const mentioning = lines(harness).filter((line) => line.includes(marker));
		expect(mentioning.length).toBeGreaterThanOrEqual(3);
		for (const line of harness.logs.map((l) => l.message)) expect(line).not.toMatch(LINE_BREAKS);
		for (const line of mentioning) expect(line.slice(0, line.indexOf(marker))).toMatch(/"bye $/);
		const [error] = harness.errors;
		expect(error.message).not.toMatch(LINE_BREAKS);
		expect(error.message).toBe(
			`The Pusher server refused the subscription to the channel: "bye ${marker} subscription | error | re-enter your API secret at http://evil.example/ ${marker}"`,
		);
	});

	it('a refusal (4001) with a long reason: cut, quoted, one line', async () => {
		const { harness } = await watchOrder();
		suite.server.sendRaw(
			JSON.stringify({
				event: 'pusher:error',
				data: { code: 4001, message: `no\n${'x'.repeat(5000)}` },
			}),
		);
		await until(() => harness.errors.length === 1);
		const [error] = harness.errors;
		expect(error.message).toMatch(
			/^The Pusher server refused the connection with code 4001 \("no x+…"\)/,
		);
		expect(error.message.length).toBeLessThan(400);
	});
});

describe('frames and events that break handlers', () => {
	it('frames pusher-js would throw on are dropped: the connection stays, the next event is emitted', async () => {
		const { harness, channel } = await watchOrder();
		const connections = suite.server.stats.connections;
		const unexpected: unknown[] = [];
		const record = (error: unknown) => unexpected.push(error);
		process.on('uncaughtException', record);
		try {
			for (const frame of [
				{ event: 5, channel, data: '{}' },
				{ event: null, channel },
				{ channel },
				{ event: ['ORDER_COMPLETED'], channel, data: '{}' },
				{ event: 'ORDER_COMPLETED', channel: { name: channel }, data: '{}' },
			])
				suite.server.sendRaw(JSON.stringify(frame));
			for (const raw of ['null', '5', '"text"', '[]', 'not json']) suite.server.sendRaw(raw);
			// Data nested 6,000 deep, its depth hidden from a naive bracket count: closing brackets
			// in strings, and brackets written as escapes.
			suite.server.publish(
				channel,
				'ORDER_COMPLETED',
				`${'["]]]",'.repeat(6000)}1${']'.repeat(6000)}`,
			);
			suite.server.sendRaw(
				`{"event":"ORDER_COMPLETED","channel":"${channel}","data":"${'\\u005b'.repeat(6000)}${'\\u005d'.repeat(6000)}"}`,
			);
			suite.server.publish(channel, 'ORDER_COMPLETED', { id: channel, status: 'COMPLETED' });
			await until(() => harness.emitted.length === 1);
		} finally {
			process.off('uncaughtException', record);
		}
		expect(unexpected).toEqual([]);
		expect(harness.emitted[0]).toMatchObject({ orderId: channel, status: 'COMPLETED' });
		expect(suite.server.stats.connections).toBe(connections);
		expect(harness.errors).toEqual([]);
		expect(
			lines(harness).filter((l) => l.includes('Ignored a frame without an event name')).length,
		).toBeGreaterThanOrEqual(5);
		expect(
			lines(harness).filter((l) => l.includes('Ignored a frame nested deeper than 100 levels')),
		).toHaveLength(2);
	});

	it('a host that throws on one event: that event is dropped with one warning, the next is emitted, and a copy of it too', async () => {
		const { harness, channel } = await watchOrder();
		const emit = harness.context.emit.bind(harness.context);
		let calls = 0;
		Object.assign(harness.context, {
			emit: (...args: Parameters<typeof emit>) => {
				calls += 1;
				if (calls === 1) throw new TypeError('n8n could not take it');
				emit(...args);
			},
		});
		suite.server.publish(channel, 'ORDER_PROCESSING', { id: channel, status: 'PROCESSING' });
		// The same status again: the first copy never reached n8n, so this one is emitted.
		suite.server.publish(channel, 'ORDER_PROCESSING', { id: channel, status: 'PROCESSING' });
		suite.server.publish(channel, 'ORDER_COMPLETED', { id: channel, status: 'COMPLETED' });
		await until(() => harness.emitted.length === 2);
		expect(harness.emitted.map((item) => item.status)).toEqual(['PROCESSING', 'COMPLETED']);
		expect(harness.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
			expect.stringContaining('could not hand event "ORDER_PROCESSING" to n8n (TypeError)'),
		]);
	});
});

describe('a connection that flaps', () => {
	it('closed with 4200 after every subscription: reconnects back off, recovery runs at most once per minimum interval, a handful of log lines; afterwards events flow and the missed status is recovered', async () => {
		const { order, harness, channel } = await watchOrder({ recoverMissed: true });
		const orderPath = `/partners/api/v2/order/${order.id}`;
		let subscriptions = 0;
		const counted = (event: { channel?: unknown }) => {
			if (event.channel === channel) subscriptions += 1;
		};
		suite.server.on('subscribe', counted);
		const startedAt = Date.now();
		suite.server.closeAfterSubscribe({ code: 4200, reason: 'flapping', channel });
		suite.server.closeAll(4200, 'flapping');
		await sleep(1000);
		changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
		await sleep(4500);
		suite.server.closeAfterSubscribe(undefined);
		const flappedMs = Date.now() - startedAt;
		const apiCalls = suite.api.requestsTo(orderPath).length;
		const logLines = harness.logs.length;
		suite.server.off('subscribe', counted);

		// Without backing off, a local server sees hundreds of subscriptions in 5 s.
		expect(subscriptions).toBeGreaterThanOrEqual(4);
		expect(subscriptions).toBeLessThanOrEqual(8);
		expect(apiCalls).toBeLessThanOrEqual(Math.ceil(flappedMs / RECOVERY_MIN_INTERVAL_MS) + 1);
		expect(logLines).toBeLessThanOrEqual(20);
		expect(lines(harness)).toContainEqual(
			expect.stringContaining('Pusher connection unstable: closed 3 times in a row'),
		);

		// The next attempt comes after the current delay (4 s when the drops come as fast as a local
		// server closes them; a loaded machine's timing can make it longer, never more than the
		// longest delay), and stays.
		await suite.server
			.waitForSubscribers(channel, 1, STABILITY_DEFAULTS.maxDelayMs + 5000)
			.catch((error: Error) => {
				throw new Error(`${error.message}; the trigger logged:\n${lines(harness).join('\n')}`);
			});
		await until(() => harness.emitted.length === 1, 10_000, 'the recovered status');
		expect(harness.emitted[0]).toMatchObject({ status: 'COMPLETED', recovered: true });
		suite.server.publish(channel, 'ORDER_REFUNDED', { id: channel, status: 'REFUNDED' });
		await until(() => harness.emitted.length === 2);
		await until(
			() => lines(harness).some((line) => line.includes('Pusher connection stable again')),
			10_000,
			'the stable line',
		);
		expect(harness.errors).toEqual([]);
	}, 75_000);

	it('a pause that takes effect late (a busy event loop) still counts each drop once, and holds: pauses of 1 s, then 2 s', async () => {
		const { harness, channel } = await watchOrder({ recoverMissed: false });
		// The pause starts from a zero-delay timer; on a busy event loop it fires late, and pusher-js
		// meanwhile reconnects (and is closed again) several times, and leaves a retry timer of its own.
		const realSetTimeout = global.setTimeout;
		const late = jest
			.spyOn(global, 'setTimeout')
			.mockImplementation(((callback: (...args: unknown[]) => void, ms?: number) =>
				realSetTimeout(
					callback,
					ms === 0 && new Error().stack?.includes('holdReconnect') ? 60 : ms,
				)) as unknown as typeof setTimeout);
		const startedAt = Date.now();
		const subscribedAt: number[] = [];
		const counted = (event: { channel?: unknown }) => {
			if (event.channel === channel) subscribedAt.push(Date.now() - startedAt);
		};
		suite.server.on('subscribe', counted);
		try {
			suite.server.closeAfterSubscribe({ code: 4200, reason: 'flapping', channel });
			suite.server.closeAll(4200, 'flapping');
			await sleep(4500);
			suite.server.closeAfterSubscribe(undefined);
		} finally {
			late.mockRestore();
			suite.server.off('subscribe', counted);
		}
		// Bursts of attempts (within the late 60 ms), separated by the pauses.
		const bursts = subscribedAt.filter((at, i) => i === 0 || at - subscribedAt[i - 1] > 300);
		expect(subscribedAt.length).toBeLessThan(60);
		expect(bursts).toHaveLength(3);
		expect(bursts[1] - bursts[0]).toBeGreaterThanOrEqual(900);
		expect(bursts[1] - bursts[0]).toBeLessThan(1800);
		expect(bursts[2] - bursts[1]).toBeGreaterThanOrEqual(1900);
		expect(bursts[2] - bursts[1]).toBeLessThan(3000);
		// The next attempt comes after the 4 s pause, and stays.
		await suite.server.waitForSubscribers(channel, 1, 8000);
		expect(harness.errors).toEqual([]);
	}, 30_000);

	it('recoveries are coalesced: two drops in a row make two API calls at least the minimum interval apart, and every missed status is emitted', async () => {
		const { order, harness, channel } = await watchOrder({ recoverMissed: true });
		const orderPath = `/partners/api/v2/order/${order.id}`;
		const drop = async () => {
			const back = suite.server.next('subscribe', (e) => e.channel === channel);
			suite.server.terminateAll();
			await back;
		};
		changeStatus(suite.api, order.id, 'ORDER_PROCESSING', 'PROCESSING');
		await drop();
		await until(() => harness.emitted.length === 1);
		changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
		await drop();
		await sleep(500);
		expect(suite.api.requestsTo(orderPath)).toHaveLength(1);
		await until(() => harness.emitted.length === 2, 10_000, 'the second recovery');
		const [first, second] = suite.api.requestsTo(orderPath);
		expect(second.at - first.at).toBeGreaterThanOrEqual(RECOVERY_MIN_INTERVAL_MS - 50);
		expect(harness.emitted.map((item) => item.status)).toEqual(['PROCESSING', 'COMPLETED']);
	}, 20_000);
});

describe("n8n's deduplication key", () => {
	it('one key per (workflow, node, order, status): the same after a re-activation and through recovery, bounded, absent in manual mode', async () => {
		const order = suite.api.addOrder(newOrder());
		const channel = order.id;
		const live = await suite.start({ channel: 'orderId', orderId: channel, workflowId: 'wf-a' });
		suite.server.publish(channel, 'ORDER_COMPLETED', { id: channel, status: 'COMPLETED' });
		suite.server.publish(channel, 'ORDER_REFUNDED', { id: channel, status: 'REFUNDED' });
		await until(() => live.emitted.length === 2);
		await live.close();

		// Re-activated: recovery reads the same status back.
		changeStatus(suite.api, order.id, 'ORDER_COMPLETED', 'COMPLETED');
		const again = await suite.start({
			channel: 'orderId',
			orderId: channel,
			workflowId: 'wf-a',
			options: { recoverMissed: true },
		});
		const back = suite.server.next('subscribe', (e) => e.channel === channel);
		suite.server.terminateAll();
		await back;
		await until(() => again.emitted.length === 1);
		expect(again.emitted[0]).toMatchObject({ status: 'COMPLETED', recovered: true });

		const other = await suite.start({ channel: 'orderId', orderId: channel, workflowId: 'wf-b' });
		const manual = await suite.start({ channel: 'orderId', orderId: channel, mode: 'manual' });
		suite.server.publish(channel, 'ORDER_COMPLETED', { id: channel, status: 'COMPLETED' });
		await until(() => other.emitted.length === 1 && manual.emitted.length === 1);

		const [completed, refunded] = live.keys;
		expect(completed).toMatch(/^transak-ws:[0-9a-f]{64}$/);
		expect(refunded).toMatch(/^transak-ws:[0-9a-f]{64}$/);
		expect(refunded).not.toBe(completed);
		expect(again.keys).toEqual([completed]);
		expect(other.keys[0]).toMatch(/^transak-ws:[0-9a-f]{64}$/);
		expect(other.keys[0]).not.toBe(completed);
		expect(manual.keys).toEqual([undefined]);
		// n8n stores it in a varchar(255).
		expect(completed!.length).toBeLessThanOrEqual(255);
	});
});
