import {
	RAISE_AFTER,
	ROTATION_NOTICE_INTERVAL_MS,
	RotationWatch,
	WARN_AFTER_REFUSALS,
	describeRun,
} from '../../../../../nodes/Transak/verification/rotation';

let triggers = 0;
/** A trigger ID of its own per test: what a trigger was told is remembered process-wide. */
const freshId = () => `wf-rotation-${(triggers += 1)}|node`;

const T0 = 1_900_000_000_000;

/** Refuses `count` deliveries one second apart from `start`; returns every verdict. */
function refuse(watch: RotationWatch, count: number, start = T0) {
	return Array.from({ length: count }, (_, i) => watch.refused(start + i * 1000, start + i * 1000));
}

describe('RotationWatch', () => {
	it('warns once a run reaches three refusals, and not again within the hour', () => {
		const id = freshId();
		const watch = new RotationWatch(id);
		const verdicts = refuse(watch, 10);
		expect(verdicts.map((v) => v.warn)).toEqual(
			Array.from({ length: 10 }, (_, i) => i + 1 === WARN_AFTER_REFUSALS),
		);
		// Another activation of the same trigger (n8n re-activates after an error) stays quiet too.
		const again = new RotationWatch(id);
		expect(refuse(again, 5, T0 + 60_000).some((v) => v.warn)).toBe(false);
		// An hour later the run, still going, warns again.
		const later = T0 + ROTATION_NOTICE_INTERVAL_MS + 10_000;
		expect(refuse(again, 2, later).map((v) => v.warn)).toEqual([true, false]);
	});

	it('raises only where asked: after 20 refusals in a row, or a run of five minutes', () => {
		const quiet = new RotationWatch(freshId());
		expect(refuse(quiet, 30).some((v) => v.raise)).toBe(false);

		const byCount = new RotationWatch(freshId(), true);
		const counted = refuse(byCount, 25);
		expect(counted.findIndex((v) => v.raise)).toBe(RAISE_AFTER.refusals - 1);
		expect(counted.filter((v) => v.raise)).toHaveLength(1);

		const byTime = new RotationWatch(freshId(), true);
		expect(byTime.refused(T0, T0).raise).toBe(false);
		expect(byTime.refused(T0 + 60_000, T0 + 60_000).raise).toBe(false);
		const sustained = byTime.refused(T0 + RAISE_AFTER.ms, T0 + RAISE_AFTER.ms);
		expect(sustained.raise).toBe(true);
		expect(describeRun(sustained, 'events')).toBe('3 events in a row over 5 min');
	});

	it('a verified delivery ends the run; refusals of deliveries that arrived before it do not count', () => {
		const watch = new RotationWatch(freshId(), true);
		refuse(watch, 2);
		watch.verified(T0 + 5_000);
		// Arrived before the verified one, refused after it (its keys were read again meanwhile).
		expect(watch.refused(T0 + 4_000, T0 + 6_000).refusals).toBe(0);
		const verdicts = refuse(watch, 2, T0 + 7_000);
		expect(verdicts.map((v) => v.refusals)).toEqual([1, 2]);
		expect(verdicts.some((v) => v.warn || v.raise)).toBe(false);
	});
});
