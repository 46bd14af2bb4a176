'use strict';
/**
 * The sandbox: a real n8n with this package installed as users install it, a Transak API
 * credential pointed at a simulated Transak, the example workflows imported and active, and a
 * simulator that plays order and KYC lifecycles as signed webhooks and Pusher events. Started by
 * `npm run dev` (scripts/dev.js) and by the browser suite (scripts/ui.js).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const { startN8n } = require('./n8n/launch');
const { pack } = require('./n8n/pack');
const { tempDir } = require('./processes');
const { startFakeTransakApi } = require('./transak/fake-api');
const { publisherFor, startPusherServer } = require('./transak/pusher-server');
const { startSimulator } = require('./transak/simulator');
const { startSink } = require('./transak/sink');

const EXAMPLES = path.join(__dirname, '..', 'examples');
const SLACK_PLACEHOLDER = 'https://hooks.slack.com/services/REPLACE/WITH/YOUR-WEBHOOK';
const CRM_PLACEHOLDER = 'https://crm.example.com/api';
const TRIGGER_TYPE = 'n8n-nodes-transak.transakTrigger';

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

/**
 * n8n's test URLs (`/webhook-test/<id>/webhook`) of every Transak Trigger in n8n, the user's own
 * included: the simulator posts there too, so "Listen for test event" gets the next event.
 */
function testUrlsOf(n8n) {
	return async () => {
		const urls = [];
		let cursor;
		do {
			const query = new URLSearchParams({ limit: '250', ...(cursor ? { cursor } : {}) });
			const page = await n8n.api('GET', `/workflows?${query}`);
			for (const workflow of page.data)
				for (const node of workflow.nodes ?? [])
					if (node.type === TRIGGER_TYPE && node.webhookId && !node.disabled)
						urls.push(`${n8n.baseUrl}/webhook-test/${node.webhookId}/webhook`);
			cursor = page.nextCursor;
		} while (cursor);
		return urls;
	};
}

/**
 * Starts everything; `stop()` stops it all and removes its temp folders.
 * @param {{ version: string, port?: number, stepMs?: number, verbose?: boolean,
 *   say?: (line: string) => void, eventLog?: (line: string) => void }} options
 */
async function startSandbox({
	version,
	port,
	stepMs = 3000,
	verbose = false,
	say = () => undefined,
	eventLog = () => undefined,
}) {
	const stops = [];
	const stop = async () => {
		for (const step of stops.reverse()) {
			try {
				await step();
			} catch {
				// Keep stopping the rest.
			}
		}
	};
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

		const sink = await startSink({ log: eventLog, verbose });
		stops.push(() => sink.close());

		const packDir = tempDir('n8n-nodes-transak-pack-');
		stops.push(() => packDir.remove());
		const tarball = pack({ destination: packDir.dir });
		const n8n = await startN8n({ version, tarball, port, logLevel: 'info' });
		stops.push(() => n8n.stop());

		const credential = await n8n.createCredential(
			'transakApi',
			fakeApi.credentials(),
			'Transak sandbox',
		);
		const orderWebhookUrls = [];
		const kycWebhookUrls = [];
		const formUrls = [];
		const workflows = [];
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
			workflows.push({ file, id: created.id, name: workflow.name, nodes: workflow.nodes });
			if (missing.length > 0) {
				say(
					`workflow "${workflow.name}" imported, inactive: it needs your own ${missing.join(', ')} credential`,
				);
				continue;
			}
			await n8n.activate(created.id);
			for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.formTrigger'))
				formUrls.push(`${n8n.baseUrl}/form/${node.parameters.options?.path ?? node.webhookId}`);
			for (const node of workflow.nodes.filter((n) => n.type === TRIGGER_TYPE)) {
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

		const simulator = startSimulator({
			accessToken,
			apiKey: fakeApi.apiKey,
			orderWebhookUrls,
			kycWebhookUrls,
			testWebhookUrls: testUrlsOf(n8n),
			pusher: publisherFor(pusherServer),
			fakeApi,
			stepMs,
			verbose,
			log: eventLog,
		});
		stops.push(() => simulator.stop());
		return {
			n8n,
			fakeApi,
			pusher: { ...pusherConfig, port: pusherServer.port },
			sink,
			credential,
			workflows,
			formUrls,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

module.exports = { startSandbox };
