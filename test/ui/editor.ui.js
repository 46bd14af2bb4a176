'use strict';
/**
 * The n8n editor as users meet this package, in a real browser against the sandbox
 * (tools/sandbox.js): each step drives the page, waits on what it needs (never a fixed pause),
 * checks what a user would see and saves a screenshot. Run by scripts/ui.js.
 *
 * A step gets `t`: { page, sandbox, baseUrl, shot(name, { readme }), expect(condition, message),
 * note(line) }.
 */
const path = require('path');
const { randomUUID } = require('crypto');

const { connect, node } = require('../../tools/n8n/workflows');
const { QUOTE_PARAMETERS } = require('../../tools/transak/fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE = 'n8n-nodes-transak';
const OWNER = { email: 'e2e@example.com', password: 'E2e-Password-123' };
/** The longest a step waits for one thing: generous for a loaded 2-core machine. */
const WAIT_MS = 30_000;
/** The issue's promise: "Listen for test event" gets an event within 10 s in the sandbox. */
const TEST_EVENT_MS = 10_000;

/** The four node descriptions, from the built package the sandbox installed. */
function packageNodes() {
	const files = {
		transakTrigger: 'TransakTrigger',
		transakWebSocketTrigger: 'TransakWebSocketTrigger',
		transakStatusRouter: 'TransakStatusRouter',
		transak: 'Transak',
	};
	return Object.entries(files).map(([name, file]) => {
		const exported = require(path.join(ROOT, 'dist', 'nodes', 'Transak', `${file}.node.js`));
		const type = new exported[file]();
		const description = type.description ?? type.nodeVersions?.[type.currentVersion]?.description;
		return { name, description: description.description, displayName: description.displayName };
	});
}

const ndv = (page) => page.locator('[data-test-id="ndv"]');

async function openWorkflow(t, id) {
	await t.page.goto(`${t.baseUrl}/workflow/${id}`);
	await t.page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: WAIT_MS });
}

async function openNode(t, name) {
	await t.page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).dblclick();
	await ndv(t.page).waitFor({ timeout: WAIT_MS });
}

/** Entries the node panel lists for `query`: name, description, icon loaded from the package. */
async function searchNodes(t, query) {
	await t.page.locator('[data-test-id="node-creator-plus-button"]').click();
	const search = t.page.locator('[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ timeout: WAIT_MS });
	await search.fill(query);
	// Until the search applies, the panel shows its default entries: wait for matches only, each
	// icon (an <img> from /icons/<package>/...) loaded or failed.
	await t.page.waitForFunction(
		(text) => {
			const entries = [...document.querySelectorAll('[data-test-id="item-iterator-item"]')];
			return (
				entries.length > 0 &&
				entries.every((entry) => entry.textContent.toLowerCase().includes(text)) &&
				[...document.querySelectorAll('[data-test-id="item-iterator-item"] img')].every(
					(img) => img.complete,
				)
			);
		},
		query.toLowerCase(),
		{ timeout: WAIT_MS },
	);
	return t.page.locator('[data-test-id="item-iterator-item"]').evaluateAll((elements) =>
		elements.map((element) => ({
			name: element.querySelector('[data-test-id="node-creator-item-name"]')?.textContent?.trim(),
			description: element
				.querySelector('[data-test-id="node-creator-item-description"]')
				?.textContent?.trim(),
			icons: [...element.querySelectorAll('img')].map((img) => ({
				src: img.getAttribute('src'),
				width: img.naturalWidth,
			})),
		})),
	);
}

/** Creates a workflow through the public API; returns its ID. */
async function createWorkflow(t, name, nodes, links = []) {
	const created = await t.sandbox.n8n.createWorkflow({
		name,
		nodes,
		connections: connect(links),
	});
	return created.id;
}

const uses = (credential) => ({
	credentials: { transakApi: { id: credential.id, name: credential.name } },
});

/** The output panel of the open node shows at least one item; returns its text. */
async function waitForOutputItems(t, timeout = WAIT_MS) {
	await t.page.waitForFunction(
		() => {
			const count = document.querySelector(
				'[data-test-id="output-panel"] [data-test-id="ndv-items-count"]',
			);
			return count !== null && /\b[1-9]\d* items?\b/.test(count.textContent ?? '');
		},
		undefined,
		{ timeout },
	);
	return t.page.locator('[data-test-id="output-panel"]').innerText();
}

/** Opens a dropdown parameter and waits until it lists more than one choice; returns them. */
async function dropdownChoices(t, parameter) {
	// n8n disables the select while it loads the choices from the node.
	const select = ndv(t.page).locator(
		`[data-test-id="parameter-input-${parameter}"] .el-select:not(.el-select--disabled)`,
	);
	await select.waitFor({ timeout: WAIT_MS });
	await select.click();
	const visibleChoices = () =>
		[...document.querySelectorAll('.el-select-dropdown__item')]
			.filter((element) => element.checkVisibility())
			.map((element) => element.textContent.trim());
	await t.page.waitForFunction(
		() =>
			[...document.querySelectorAll('.el-select-dropdown__item')].filter((element) =>
				element.checkVisibility(),
			).length > 1,
		undefined,
		{ timeout: WAIT_MS },
	);
	const texts = await t.page.evaluate(visibleChoices);
	await t.page.keyboard.press('Escape');
	return texts.filter(Boolean);
}

async function closeNdv(t) {
	await ndv(t.page).locator('[data-test-id="ndv-close-button"]').click();
	await ndv(t.page).waitFor({ state: 'hidden', timeout: WAIT_MS });
}

const steps = [
	{
		name: 'sign in',
		async run(t) {
			await t.page.goto(`${t.baseUrl}/signin`);
			// n8n 2.x names the field emailOrLdapLoginId, 1.x email: both are type="email".
			await t.page.fill('input[type="email"]', OWNER.email);
			await t.page.fill('input[type="password"]', OWNER.password);
			await t.page.click('[data-test-id="form-submit-button"]');
			await t.page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: WAIT_MS });
			await t.shot('signed-in');
		},
	},
	{
		name: 'the node panel finds the four nodes, with their icons',
		async run(t) {
			const expected = packageNodes();
			const byDescription = (entries, name) =>
				entries.find(
					(entry) => entry.description === expected.find((n) => n.name === name).description,
				);
			const hasIcon = (entry) =>
				entry?.icons.some((icon) => icon.src?.includes(`/icons/${PACKAGE}/`) && icon.width > 0);
			await t.page.goto(`${t.baseUrl}/workflow/new`);
			const triggers = await searchNodes(t, 'Transak');
			await t.shot('node-panel-triggers', { readme: 'node-panel' });
			for (const name of ['transakTrigger', 'transakWebSocketTrigger', 'transakStatusRouter']) {
				const entry = byDescription(triggers, name);
				t.expect(entry, `the node panel lists ${name} (listed: ${JSON.stringify(triggers)})`);
				t.expect(hasIcon(entry), `${name} shows the package's icon`);
			}
			// With a trigger on the canvas, the panel's "Transak" entry holds the Transak node's
			// actions (n8n lists a service's action node and trigger under one entry).
			const id = await createWorkflow(t, 'UI: node panel', [
				node('Start', 'n8n-nodes-base.manualTrigger', {}),
			]);
			await openWorkflow(t, id);
			const next = await searchNodes(t, 'Transak');
			const entry = next.find((e) => e.name === 'Transak');
			t.expect(
				hasIcon(entry),
				`the Transak entry shows the package's icon (${JSON.stringify(next)})`,
			);
			await t.page
				.locator('[data-test-id="item-iterator-item"]')
				.filter({ hasText: /^Transak/ })
				.first()
				.click();
			const actions = t.page.locator('[data-test-id="node-creator-item-name"]');
			await actions.filter({ hasText: 'Get a price quote' }).waitFor({ timeout: WAIT_MS });
			const names = await actions.allInnerTexts();
			await t.shot('node-panel-transak-actions');
			for (const action of ['Get a price quote', 'Create a payment link', 'Get an order'])
				t.expect(
					names.some((n) => n.startsWith(action)),
					`the Transak node offers "${action}" (${names.join(', ')})`,
				);
		},
	},
	{
		name: 'each example opens without warnings on the package nodes, labels apart',
		async run(t) {
			for (const workflow of t.sandbox.workflows) {
				await openWorkflow(t, workflow.id);
				const ours = workflow.nodes.filter((n) => n.type.startsWith(`${PACKAGE}.`));
				for (const { name } of ours) {
					const canvasNode = t.page.locator(
						`[data-test-id="canvas-node"][data-node-name="${name}"]`,
					);
					await canvasNode.waitFor({ timeout: WAIT_MS });
					const issues = await canvasNode.locator('[data-test-id="node-issues"]').count();
					t.expect(issues === 0, `"${workflow.name}": node "${name}" shows a warning`);
				}
				await t.page.locator('[data-test-id="zoom-to-fit"]').click();
				await t.shot(`example-${path.basename(workflow.file, '.json')}`);
				// What users read under each node (name, subtitle) must not run into another node's.
				const boxes = await t.page.locator('[data-test-id="canvas-node"]').evaluateAll((elements) =>
					elements.map((element) => {
						const box = element.getBoundingClientRect();
						const texts = [...element.querySelectorAll('*')]
							.filter((e) => e.children.length === 0 && e.textContent.trim())
							.map((e) => e.getBoundingClientRect());
						const bottom = Math.max(box.bottom, ...texts.map((r) => r.bottom));
						const left = Math.min(box.left, ...texts.map((r) => r.left));
						const right = Math.max(box.right, ...texts.map((r) => r.right));
						return { name: element.dataset.nodeName, left, right, top: box.top, bottom };
					}),
				);
				for (const [i, a] of boxes.entries())
					for (const b of boxes.slice(i + 1)) {
						const overlap =
							a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
						t.expect(!overlap, `"${workflow.name}": "${a.name}" overlaps "${b.name}"`);
					}
			}
		},
	},
	{
		name: "the Transak node's dropdowns load and Execute step returns an item",
		async run(t) {
			const { credential } = t.sandbox;
			const cases = [
				{
					name: 'Get Quote',
					parameters: QUOTE_PARAMETERS,
					dropdown: 'fiatCurrency',
					shows: 'cryptoAmount',
				},
				{
					name: 'Create Widget URL',
					parameters: {
						resource: 'widgetUrl',
						operation: 'create',
						referrerDomain: 'shop.example.com',
						widgetParams: { cryptoCurrencyCode: 'ETH', network: 'ethereum', fiatCurrency: 'EUR' },
					},
					dropdown: 'cryptoCurrencyCode',
					shows: 'widgetUrl',
				},
			];
			for (const example of cases) {
				const id = await createWorkflow(
					t,
					`UI: ${example.name}`,
					[
						node('Start', 'n8n-nodes-base.manualTrigger', {}),
						node(example.name, `${PACKAGE}.transak`, example.parameters, {
							position: [240, 0],
							...uses(credential),
						}),
					],
					[['Start', example.name]],
				);
				await openWorkflow(t, id);
				const canvasText = await t.page
					.locator(`[data-test-id="canvas-node"][data-node-name="${example.name}"]`)
					.innerText();
				// The node's name is its subtitle here: the subtitle is the text below the name.
				const subtitle = canvasText.split('\n').slice(1).join(' ');
				t.expect(
					subtitle.includes(example.name),
					`the subtitle says "${example.name}" (the node shows: ${JSON.stringify(canvasText)})`,
				);
				await openNode(t, example.name);
				const choices = await dropdownChoices(t, example.dropdown);
				t.expect(
					choices.length > 1,
					`${example.name}: ${example.dropdown} lists Transak's choices`,
				);
				await t.shot(`transak-node-${example.dropdown}-dropdown`);
				await ndv(t.page).locator('[data-test-id="node-execute-button"]').click();
				await waitForOutputItems(t);
				await t.page.waitForFunction(
					(key) =>
						document.querySelector('[data-test-id="output-panel"]')?.textContent?.includes(key),
					example.shows,
					{ timeout: WAIT_MS },
				);
				await t.shot(`transak-node-${example.name.toLowerCase().replace(/\W+/g, '-')}-executed`);
				await closeNdv(t);
			}
		},
	},
	{
		name: 'the credential test passes with a good credential and says why Transak refuses a bad one',
		async run(t) {
			const bad = await t.sandbox.n8n.createCredential(
				'transakApi',
				// Without the API secret n8n cannot refresh the token: Transak's refusal reaches the user.
				{ ...t.sandbox.fakeApi.credentials(), accessToken: 'not-the-partner-token', apiSecret: '' },
				'Transak (wrong token)',
			);
			const modalText = (pattern) =>
				t.page.waitForFunction(
					([source, flags]) =>
						new RegExp(source, flags).test(
							document.querySelector('[data-test-id="editCredential-modal"]')?.textContent ?? '',
						),
					[pattern.source, pattern.flags],
					{ timeout: WAIT_MS },
				);
			for (const [credential, outcome, label] of [
				[t.sandbox.credential, /Connection tested successfully/i, 'good'],
				[bad, /Couldn.t connect/i, 'bad'],
			]) {
				await t.page.goto(`${t.baseUrl}/home/credentials/${credential.id}`);
				const modal = t.page.locator('[data-test-id="editCredential-modal"]');
				await modal.waitFor({ timeout: WAIT_MS });
				await modal.locator('[data-test-id="credential-save-button"]').click();
				await modalText(outcome);
				// Transak answers a wrong token with 401 "Authorization Required"; the credential says
				// what that means and what to do.
				if (label === 'bad') {
					await modal.getByText('More details').click();
					await modalText(/access token has expired or is invalid/);
				}
				await t.shot(`credential-test-${label}`);
				await t.page.keyboard.press('Escape');
			}
		},
	},
	{
		name: 'both triggers explain what to do, and a test event reaches each',
		async run(t) {
			const { credential, pusher } = t.sandbox;
			const webhookId = randomUUID();
			const triggers = [
				{
					name: 'Transak Trigger',
					node: node(
						'Transak Trigger',
						`${PACKAGE}.transakTrigger`,
						{ events: [] },
						{
							typeVersion: 2,
							webhookId,
							...uses(credential),
						},
					),
					explains: [/Production URL/, /HTTPS/],
				},
				{
					name: 'Transak WebSocket Trigger',
					node: node(
						'Transak WebSocket Trigger',
						`${PACKAGE}.transakWebSocketTrigger`,
						{
							channel: 'allOrders',
							events: [],
							options: {
								appKey: pusher.key,
								wsHost: '127.0.0.1',
								wsPort: pusher.port,
								forceTLS: false,
							},
						},
						uses(credential),
					),
					explains: [/Pusher|WebSocket/, /no public URL|without a public URL/i],
				},
			];
			for (const trigger of triggers) {
				const id = await createWorkflow(t, `UI: ${trigger.name}`, [trigger.node]);
				await openWorkflow(t, id);
				await openNode(t, trigger.name);
				await ndv(t.page).locator('[data-test-id="trigger-header"]').waitFor({ timeout: WAIT_MS });
				// The panel's help text is folded under this question.
				await ndv(t.page).getByText('When will this node trigger my flow?').click();
				await t.shot(`trigger-panel-${trigger.node.type.split('.')[1]}`);
				const text = await ndv(t.page).innerText();
				for (const pattern of trigger.explains)
					t.expect(
						pattern.test(text),
						`${trigger.name}'s panel says ${pattern} (it says: ${text.slice(0, 600)})`,
					);
				const started = Date.now();
				await ndv(t.page).locator('[data-test-id="trigger-execute-button"]').click();
				await waitForOutputItems(t, TEST_EVENT_MS + 5_000);
				const seconds = (Date.now() - started) / 1000;
				t.note(`${trigger.name}: test event shown after ${seconds.toFixed(1)} s`);
				t.expect(
					seconds <= TEST_EVENT_MS / 1000,
					`${trigger.name}: a test event within 10 s (took ${seconds.toFixed(1)} s)`,
				);
				await t.shot(`test-event-${trigger.node.type.split('.')[1]}`, {
					readme: `test-event-${trigger.node.type.split('.')[1]}`,
				});
				await closeNdv(t);
			}
		},
	},
];

module.exports = { steps };
