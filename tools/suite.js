'use strict';
/** Runs a jest config as a child process, for the suite runners (scripts/e2e.js, scripts/queue.js). */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const { ROOT } = require('./n8n/pack');

let current;
process.once('SIGINT', () => current?.kill('SIGTERM'));

/**
 * Runs `jest --config <config> --runInBand` with `env` added and `extraArgs` appended; its JSON
 * report goes to `resultFile`. Resolves with jest's exit code and its test counts (a run that
 * failed before its tests, in a global setup for example, counts zero).
 */
function runJest({ config, env = {}, extraArgs = [], resultFile }) {
	return new Promise((resolve) => {
		const jestBin = require.resolve('jest/bin/jest', { paths: [ROOT] });
		const args = [jestBin, '--config', config, '--runInBand', '--json'];
		args.push(`--outputFile=${resultFile}`, ...extraArgs);
		current = spawn(process.execPath, args, {
			cwd: ROOT,
			stdio: 'inherit',
			env: { ...process.env, ...env },
		});
		current.on('exit', (code) => {
			current = undefined;
			let counts = { passed: 0, failed: 0 };
			try {
				const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
				counts = {
					passed: result.numPassedTests,
					failed: result.numFailedTests + result.numRuntimeErrorTestSuites,
				};
			} catch {
				// No result file: jest failed before running tests.
			}
			resolve({ code: code === 0 ? 0 : code || 1, counts });
		});
	});
}

/**
 * Writes `{numPassedTests, numFailedTests, ...extra}` to `file` when given (what
 * scripts/ci-summary.js reads) and prints the closing `<name>: N passed, N failed` line.
 */
function report(name, file, passed, failed, extra = {}) {
	if (file) {
		const body = { numPassedTests: passed, numFailedTests: failed, ...extra };
		fs.mkdirSync(path.dirname(file), { recursive: true });
		fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
	}
	process.stdout.write(`${name}: ${passed} passed, ${failed} failed\n`);
}

module.exports = { runJest, report };
