'use strict';
/** Log lines, pauses and durations shared by the tooling. */

/** A function that writes `[tag hh:mm:ss] message` lines to stderr. */
function logger(tag) {
	return (message) =>
		process.stderr.write(`[${tag} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** A section heading on stdout. */
function banner(text) {
	const line = '='.repeat(Math.max(60, text.length + 8));
	process.stdout.write(`\n${line}\n=== ${text}\n${line}\n\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds since `startedMs`, with one decimal: "12.3 s". */
const since = (startedMs) => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;

module.exports = { logger, banner, sleep, since };
