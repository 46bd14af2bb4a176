'use strict';
/**
 * Stops the n8n of the global setup, keeps a copy of its log for post-mortems, and kills any
 * process this run registered whose owner is gone (a test that started its own and crashed).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { reap } = require('../../../tools/processes');

module.exports = async function globalTeardown() {
	const instance = globalThis.__N8N_E2E_INSTANCE__;
	if (instance) {
		const logDir = path.join(os.tmpdir(), 'n8n-nodes-transak-e2e-logs');
		fs.mkdirSync(logDir, { recursive: true });
		const copy = path.join(logDir, `n8n-${instance.version}.log`);
		fs.copyFileSync(instance.logFile, copy);
		await instance.stop({ keepFolder: process.env.N8N_E2E_KEEP === '1' });
		globalThis.__N8N_E2E_INSTANCE__ = undefined;
		process.stderr.write(`[e2e] n8n ${instance.version} stopped; its log: ${copy}\n`);
	}
	const reaped = reap();
	if (reaped > 0) process.stderr.write(`[e2e] killed ${reaped} leftover process group(s)\n`);
};
