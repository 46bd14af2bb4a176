'use strict';
/**
 * `npm run dev`: the sandbox (tools/sandbox.js) on http://localhost:5678: a real n8n with this
 * package installed as users install it, the example workflows active, and a simulated Transak
 * sending signed webhooks and Pusher events. The banner (editor, login, form) is printed again
 * every minute with what happened since, so it never scrolls away for long. `--verbose` prints
 * every event, delivery and Slack/CRM call instead of one line per lifecycle. Ctrl-C stops
 * everything.
 */
const { startSandbox } = require('../tools/sandbox');

const N8N_VERSION = process.env.N8N_DEV_VERSION || '2.41.1';
const PORT = Number(process.env.N8N_PORT || 5678);
const BANNER_EVERY_MS = 60_000;
const verbose = process.argv.includes('--verbose');

const say = (line) => console.log(`[sandbox] ${line}`);

async function main() {
	const started = Date.now();
	let sandbox;
	let stopping = false;
	const stopAll = async (code) => {
		if (stopping) return;
		stopping = true;
		say('stopping...');
		await sandbox?.stop();
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));

	try {
		sandbox = await startSandbox({
			version: N8N_VERSION,
			port: PORT,
			stepMs: Number(process.env.SANDBOX_STEP_MS || 3000),
			verbose,
			say,
			eventLog: (line) => console.log(`[transak] ${line}`),
		});
	} catch (error) {
		console.error(`[sandbox] failed: ${error.message}`);
		await stopAll(1);
		return;
	}
	const { n8n, fakeApi, formUrls, sink } = sandbox;
	const editor = `http://localhost:${PORT}`;
	const banner = (heading) =>
		console.log(`
  ${heading}
  Editor     ${editor}   (log in as  e2e@example.com  /  E2e-Password-123)
${formUrls.map((url) => `  Form       ${url}`).join('\n')}
  Credential "Transak sandbox" -> the simulated Transak API (${fakeApi.url})
  Simulated Transak sends signed webhooks and Pusher events every few seconds, also to a Transak
  Trigger's test URL while the editor listens. Open Executions in n8n to watch them.
  n8n's log: ${n8n.logFile}${verbose ? '' : '\n  Every event and call: npm run dev -- --verbose'}
  Ctrl-C stops everything.
`);
	banner(
		`n8n ${N8N_VERSION} with n8n-nodes-transak is ready (${((Date.now() - started) / 1000).toFixed(0)} s)`,
	);
	let before = sink.calls();
	setInterval(() => {
		const now = sink.calls();
		const slack = now.slack - before.slack;
		const crm = now.crm - before.crm;
		before = now;
		banner(`Sandbox running; last minute the workflows made ${slack} Slack and ${crm} CRM call(s)`);
	}, BANNER_EVERY_MS).unref();
}

main();
