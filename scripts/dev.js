'use strict';
/**
 * `npm run dev`: a real n8n on http://localhost:5678 with this package installed as users install
 * it, a Transak API credential pointed at a simulated Transak, the example workflows imported and
 * active, and a simulator that plays order and KYC lifecycles as signed webhooks and Pusher events.
 * Ctrl-C stops everything.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const { startN8n } = require('../tools/n8n/launch');
const { pack } = require('../tools/n8n/pack');
const { startFakeTransakApi } = require('../tools/transak/fake-api');
const { publisherFor, startPusherServer } = require('../tools/transak/pusher-server');
const { startSimulator } = require('../tools/transak/simulator');
const { startSink } = require('../tools/transak/sink');

const N8N_VERSION = process.env.N8N_DEV_VERSION || '2.41.1';
const PORT = Number(process.env.N8N_PORT || 5678);
const EXAMPLES = path.join(__dirname, '..', 'examples');
const SLACK_PLACEHOLDER = 'https://hooks.slack.com/services/REPLACE/WITH/YOUR-WEBHOOK';
const CRM_PLACEHOLDER = 'https://crm.example.com/api';

const say = (line) => console.log(`[sandbox] ${line}`);

/** Credential types a workflow needs besides the Transak one (the user's own, e.g. a model's). */
function otherCredentialTypes(workflow) {
	const types = workflow.nodes.flatMap((node) => Object.keys(node.credentials ?? {}));
	return [...new Set(types.filter((type) => type !== 'transakApi'))];
}

/** Points an example at the sandbox: its credential, the local Slack/CRM sink, the local Pusher. */
function localize(workflow, { credential, sink, pusher }) {
	const text = JSON.stringify(workflow)
		.split(SLACK_PLACEHOLDER)
		.join(`${sink.url}/slack`)
		.split(CRM_PLACEHOLDER)
		.join(`${sink.url}/crm`);
	const local = JSON.parse(text);
	for (const node of local.nodes) {
		if (node.credentials?.transakApi)
			node.credentials.transakApi = { id: credential.id, name: credential.name };
		if (node.type === 'n8n-nodes-transak.transakWebSocketTrigger') {
			node.parameters.options = {
				...node.parameters.options,
				appKey: pusher.key,
				wsHost: '127.0.0.1',
				wsPort: pusher.port,
				forceTLS: false,
			};
		}
	}
	return local;
}

async function main() {
	const started = Date.now();
	const stops = [];
	let stopping = false;
	const stopAll = async (code) => {
		if (stopping) return;
		stopping = true;
		say('stopping...');
		for (const stop of stops.reverse()) {
			try {
				await stop();
			} catch {
				// Keep stopping the rest.
			}
		}
		process.exit(code);
	};
	process.on('SIGINT', () => void stopAll(0));
	process.on('SIGTERM', () => void stopAll(0));

	try {
		const accessToken = crypto.randomBytes(24).toString('base64url');
		// Orders answered as Transak's API does: their ID named `_id`.
		const fakeApi = await startFakeTransakApi({
			apiKey: 'sandbox-api-key',
			accessToken,
			orderIdKey: '_id',
		});
		stops.push(() => fakeApi.close());
		say(`simulated Transak partner API at ${fakeApi.url}`);

		const pusherConfig = {
			appId: 'sandbox',
			key: '1d9ffac87de599c61283',
			secret: crypto.randomBytes(16).toString('hex'),
		};
		const pusherServer = await startPusherServer({ port: 0, ...pusherConfig });
		stops.push(() => pusherServer.close());
		say(`simulated Pusher Channels at ws://127.0.0.1:${pusherServer.port}`);

		const sink = await startSink({ log: console.log });
		stops.push(() => sink.close());

		const tarball = pack();
		const n8n = await startN8n({ version: N8N_VERSION, tarball, port: PORT, logLevel: 'info' });
		stops.push(() => n8n.stop());

		const credential = await n8n.createCredential(
			'transakApi',
			fakeApi.credentials(),
			'Transak sandbox',
		);
		const orderWebhookUrls = [];
		const kycWebhookUrls = [];
		const formUrls = [];
		for (const file of fs
			.readdirSync(EXAMPLES)
			.filter((f) => f.endsWith('.json'))
			.sort()) {
			const example = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
			const workflow = localize(example, {
				credential,
				sink,
				pusher: { ...pusherConfig, port: pusherServer.port },
			});
			const created = await n8n.createWorkflow(workflow);
			const missing = otherCredentialTypes(workflow);
			if (missing.length > 0) {
				say(
					`workflow "${workflow.name}" imported, inactive: it needs your own ${missing.join(', ')} credential`,
				);
				continue;
			}
			await n8n.activate(created.id);
			for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.formTrigger'))
				formUrls.push(`${n8n.baseUrl}/form/${node.parameters.options?.path ?? node.webhookId}`);
			for (const node of workflow.nodes.filter(
				(n) => n.type === 'n8n-nodes-transak.transakTrigger',
			)) {
				const url = `${n8n.baseUrl}/webhook/${node.webhookId}/webhook`;
				const events = node.parameters.events ?? [];
				if (events.length === 0 || events.some((e) => e.startsWith('ORDER_')))
					orderWebhookUrls.push(url);
				if (events.length === 0 || events.some((e) => e.startsWith('KYC_')))
					kycWebhookUrls.push(url);
				await n8n.waitForWebhook(`${node.webhookId}/webhook`);
			}
			say(`workflow "${workflow.name}" imported and active`);
		}

		const publisher = publisherFor(pusherServer);
		const simulator = startSimulator({
			accessToken,
			apiKey: fakeApi.apiKey,
			orderWebhookUrls,
			kycWebhookUrls,
			pusher: publisher,
			fakeApi,
			stepMs: Number(process.env.SANDBOX_STEP_MS || 3000),
			log: (line) => console.log(`[transak] ${line}`),
		});
		stops.push(() => simulator.stop());

		const editor = `http://localhost:${PORT}`;
		console.log(`
  n8n ${N8N_VERSION} with n8n-nodes-transak is ready (${((Date.now() - started) / 1000).toFixed(0)} s): ${editor}
  Log in as  e2e@example.com  /  E2e-Password-123
  Credential "Transak sandbox" points at the simulated Transak API (${fakeApi.url}).
  Simulated Transak now sends signed webhooks and Pusher events every few seconds;
  open Executions in n8n to watch them. n8n's log: ${n8n.logFile}
${formUrls.map((url) => `  Form: ${url}`).join('\n')}
  Ctrl-C stops everything.
`);
	} catch (error) {
		console.error(`[sandbox] failed: ${error.message}`);
		await stopAll(1);
	}
}

main();
