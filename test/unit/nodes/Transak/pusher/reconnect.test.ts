import {
	afterClose,
	ConnectWatchdog,
	FAST_RECONNECT_MIN_INTERVAL_MS,
} from '../../../../../nodes/Transak/pusher/reconnect';

const LONG_AGO = FAST_RECONNECT_MIN_INTERVAL_MS + 1;

describe('afterClose', () => {
	it('an abrupt drop (no code, 1006, 4000) reconnects at once', () => {
		for (const code of [undefined, 1006, 4000])
			expect(afterClose(code, false, LONG_AGO)).toBe('now');
	});

	it('a flapping connection is held back by the drop itself, whatever the code', () => {
		for (const code of [undefined, 1006, 4100, 4200])
			expect(afterClose(code, true, LONG_AGO)).toBe('hold');
	});

	it("keeps pusher-js's delay when the server asks for a backoff (4100-4199, 1002-1004)", () => {
		for (const code of [4100, 4150, 4199, 1002, 1004])
			expect(afterClose(code, false, LONG_AGO)).toBe('backoff');
		expect(afterClose(1005, false, LONG_AGO)).toBe('now');
	});

	it('4200-4299: pusher-js already reconnects at once', () => {
		for (const code of [4200, 4299]) expect(afterClose(code, false, LONG_AGO)).toBe('immediate');
		expect(afterClose(4300, false, LONG_AGO)).toBe('now');
	});

	it('at most one fast reconnect per 10 s', () => {
		expect(afterClose(undefined, false, FAST_RECONNECT_MIN_INTERVAL_MS - 1)).toBe('wait');
		expect(afterClose(undefined, false, FAST_RECONNECT_MIN_INTERVAL_MS)).toBe('now');
	});
});

describe('ConnectWatchdog', () => {
	beforeEach(() => jest.useFakeTimers());
	afterEach(() => jest.useRealTimers());

	/** Arms, lets the timer fire, and returns how long it waited. */
	function waits(watchdog: ConnectWatchdog, fired: number[]): number {
		watchdog.arm();
		jest.runOnlyPendingTimers();
		return fired[fired.length - 1];
	}

	it('waits 2 s, doubling to 30 s, and starts again from 2 s once connected', () => {
		const fired: number[] = [];
		const watchdog = new ConnectWatchdog(
			(ms) => fired.push(ms),
			() => 0.5,
		);
		expect([1, 2, 3, 4, 5, 6].map(() => waits(watchdog, fired))).toEqual([
			2000, 4000, 8000, 16000, 30000, 30000,
		]);
		watchdog.reset();
		expect(waits(watchdog, fired)).toBe(2000);
	});

	it('jitters each wait by up to 20 % either way', () => {
		const fired: number[] = [];
		expect(
			waits(
				new ConnectWatchdog(
					(ms) => fired.push(ms),
					() => 0,
				),
				fired,
			),
		).toBe(1600);
		expect(
			waits(
				new ConnectWatchdog(
					(ms) => fired.push(ms),
					() => 0.999_999,
				),
				fired,
			),
		).toBe(2400);
	});

	it('one wait at a time, and a cleared wait never fires', () => {
		const fired: number[] = [];
		const watchdog = new ConnectWatchdog(
			(ms) => fired.push(ms),
			() => 0.5,
		);
		watchdog.arm();
		watchdog.arm();
		expect(jest.getTimerCount()).toBe(1);
		watchdog.clear();
		jest.runAllTimers();
		expect(fired).toEqual([]);
	});
});
