/** Waiting in tests: for a condition to hold, or for a while. */

export async function until(
	predicate: () => boolean,
	timeoutMs = 5000,
	what = 'condition',
): Promise<void> {
	const started = Date.now();
	while (!predicate()) {
		if (Date.now() - started > timeoutMs)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(5);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
