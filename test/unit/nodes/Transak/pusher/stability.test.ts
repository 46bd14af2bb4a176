import {
	ConnectionStability,
	STABILITY_DEFAULTS,
} from '../../../../../nodes/Transak/pusher/stability';

const WHY = ' (last: code 4200: "flapping")';

/** Connects at `at` and drops `after` ms later; returns the drop and the time it happened. */
function cycle(stability: ConnectionStability, at: number, after: number) {
	stability.connected(at);
	return { drop: stability.dropped(at + after, WHY), at: at + after };
}

describe('ConnectionStability', () => {
	it('a drop now and then is no flapping: reconnect at once, the usual lines', () => {
		const stability = new ConnectionStability();
		let now = 0;
		for (let i = 0; i < 10; i += 1) {
			const { drop } = cycle(stability, now, 60_000);
			expect(drop).toEqual({ delayMs: 0 });
			expect(stability.flapping).toBe(false);
			now += 61_000;
		}
	});

	it('two short-lived connections in a row are not yet flapping; the third is, with one warning', () => {
		const stability = new ConnectionStability();
		expect(cycle(stability, 0, 10).drop).toEqual({ delayMs: 0 });
		expect(cycle(stability, 20, 10).drop).toEqual({ delayMs: 0 });
		expect(stability.flapping).toBe(false);
		const third = cycle(stability, 40, 10).drop;
		expect(stability.flapping).toBe(true);
		expect(third.delayMs).toBe(1000);
		expect(third.line?.level).toBe('warn');
		expect(third.line?.message).toContain('Pusher connection unstable: closed 3 times in a row');
		expect(third.line?.message).toContain(WHY);
	});

	it('while flapping: delays double up to 30 s, and at most one summary line a minute', () => {
		const stability = new ConnectionStability();
		let now = 0;
		const delays: number[] = [];
		const lines: string[] = [];
		for (let i = 0; i < 40; i += 1) {
			const { drop, at } = cycle(stability, now, 100);
			delays.push(drop.delayMs);
			if (drop.line) lines.push(`${at}: ${drop.line.message}`);
			now = at + drop.delayMs;
		}
		expect(delays.slice(0, 10)).toEqual([0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
		// 40 reconnects over about 17 minutes: the warning, then one summary a minute at most.
		const minutes = now / 60_000;
		expect(lines.length).toBeLessThanOrEqual(Math.ceil(minutes) + 1);
		expect(lines.length).toBeGreaterThanOrEqual(Math.floor(minutes) - 1);
		expect(lines[1]).toMatch(/Pusher connection still unstable: \d+ reconnects in the last \d+ s/);
	});

	it('a connection that stays up ends flapping, saying so once; the next drop starts afresh', () => {
		const stability = new ConnectionStability();
		for (let i = 0; i < 5; i += 1) cycle(stability, i * 100, 10);
		expect(stability.flapping).toBe(true);
		stability.connected(1000);
		const line = stability.settled(1000 + STABILITY_DEFAULTS.shortLivedMs);
		expect(line?.message).toMatch(/^Pusher connection stable again, after 3 reconnects in \d+ s$/);
		expect(stability.flapping).toBe(false);
		expect(stability.settled(20_000)).toBeUndefined();
		expect(stability.dropped(30_000, WHY)).toEqual({ delayMs: 0 });
	});

	it('a long-lived connection between short ones breaks the streak', () => {
		const stability = new ConnectionStability();
		cycle(stability, 0, 10);
		cycle(stability, 100, 10);
		cycle(stability, 200, 60_000);
		expect(cycle(stability, 70_000, 10).drop.delayMs).toBe(0);
		expect(stability.flapping).toBe(false);
	});
});
