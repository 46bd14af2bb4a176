/**
 * The on-ramp operations of the Transak node in a real n8n against the fake Transak API on
 * 127.0.0.1 (which answers as Transak's reference documents, API orders named by `_id`): Quote,
 * Widget URL, the three Currency lists and the dropdowns, each through Webhook -> Transak
 * workflows; then the quote-to-payment-link form example, imported and filled in over HTTP, and
 * the AI agent example, imported.
 */
import * as fs from 'fs';
import * as path from 'path';

import { makeOrders, startFakeTransakApi, type FakeTransakApi } from '../../tools/transak/fake-api';
import { apiWorkflow, connect, node } from '../../tools/n8n/workflows';
import { startFakeModel } from '../support/fake-model';
import { submitForm } from '../support/form';
import * as real from '../support/real-n8n';
import { executions, outputItems, uniqueId } from '../support/real-n8n';

const client = real.n8n().main;
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const QUOTES = '/api/v1/pricing/public/quotes';
const SESSION = '/api/v2/auth/session';

let fake: FakeTransakApi;
let credential: { id: string; name: string };
const workflowIds: string[] = [];
/** Every access token n8n was given or obtained: none may leak. */
const issuedTokens: string[] = [];

type Hook = { id: string; hook: string };
const hooks: Record<string, Hook> = {};

/** Webhook -> Transak with `parameters`, active; its answer holds the Transak node's items. */
async function workflow(name: string, parameters: Record<string, unknown>): Promise<Hook> {
	const hook = uniqueId(`onramp-${name}`);
	const { id } = await client.createWorkflow(
		apiWorkflow(`On-ramp: ${name}`, hook, credential, parameters),
	);
	workflowIds.push(id);
	await real.activate(id, hook, JSON.stringify({ probe: true }));
	return { id, hook };
}

const call = (name: string, body: Record<string, unknown> = {}) =>
	real.post(client, hooks[name].hook, body);

/** Runs the quote workflow for `amount` of `fiat` in `crypto` on `network`. */
const quote = (pair: string, amount: number, extra: Record<string, unknown> = {}) => {
	const [fiat, crypto, network] = pair.split(' ');
	return call('quote', { fiat, crypto, network, amount, ...extra });
};

/** The example with its Transak credential pointed at the fake. */
function example(file: string) {
	const workflow = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
	for (const node of workflow.nodes)
		if (node.credentials?.transakApi) node.credentials.transakApi = credential;
	return workflow;
}

beforeAll(async () => {
	fake = await startFakeTransakApi({ orders: makeOrders(8), orderIdKey: '_id' });
	issuedTokens.push(fake.accessToken);
	credential = await client.createCredential('transakApi', fake.credentials());
	hooks.quote = await workflow('quote', {
		resource: 'quote',
		operation: 'get',
		isBuyOrSell: "={{ $json.body.side ?? 'BUY' }}",
		fiatCurrency: '={{ $json.body.fiat }}',
		cryptoCurrency: '={{ $json.body.crypto }}',
		network: '={{ $json.body.network }}',
		amountIn: "={{ $json.body.amountIn ?? 'fiat' }}",
		amount: '={{ $json.body.amount }}',
		options: {
			paymentMethod: "={{ $json.body.paymentMethod ?? '' }}",
			quoteCountryCode: "={{ $json.body.country ?? '' }}",
		},
	});
	hooks.widget = await workflow('widget URL', {
		resource: 'widgetUrl',
		operation: 'create',
		referrerDomain: 'shop.example.com',
		widgetParams: {
			walletAddress: '={{ $json.body.wallet }}',
			cryptoCurrencyCode: 'ETH',
			network: 'ethereum',
			fiatCurrency: 'EUR',
			fiatAmount: '={{ $json.body.amount }}',
			partnerOrderId: '={{ $json.body.partnerOrderId }}',
			productsAvailed: 'BUY',
		},
	});
	for (const operation of ['getCryptoCurrencies', 'getFiatCurrencies', 'getCountries'])
		hooks[operation] = await workflow(operation, {
			resource: 'currency',
			operation,
			listFilters: { search: "={{ $json.body.search ?? '' }}" },
		});
	hooks.order = await workflow('order', { operation: 'get', orderId: '={{ $json.body.orderId }}' });
	hooks.orders = await workflow('orders', { operation: 'getAll', returnAll: true, filters: {} });
	fake.reset();
});

afterAll(async () => {
	await real.deactivate(workflowIds);
	await fake?.close();
});

describe(`Transak node on-ramp operations in n8n ${client.version}`, () => {
	test('quote: the documented query without a token; one item, Transak’s quote', async () => {
		const before = (await executions(hooks.quote.id)).length;
		const answer = await quote('EUR USDC polygon', 250, { country: 'FR' });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([
			expect.objectContaining({
				quoteId: expect.any(String),
				fiatCurrency: 'EUR',
				cryptoCurrency: 'USDC',
				network: 'polygon',
				fiatAmount: 250,
				cryptoAmount: expect.any(Number),
				totalFee: expect.any(Number),
			}),
		]);
		expect(fake.requestsTo(QUOTES).map((r) => [r.query, r.accessToken])).toEqual([
			[
				{
					partnerApiKey: fake.apiKey,
					isBuyOrSell: 'BUY',
					fiatCurrency: 'EUR',
					cryptoCurrency: 'USDC',
					network: 'polygon',
					fiatAmount: '250',
					quoteCountryCode: 'FR',
				},
				undefined,
			],
		]);
		const execution = await real.nextExecution(hooks.quote.id, before);
		expect(outputItems(execution, 'Transak')).toHaveLength(1);
	});

	test('quote below the minimum: the execution fails with Transak’s message', async () => {
		const before = (await executions(hooks.quote.id)).length;
		const answer = await quote('EUR ETH ethereum', 5);
		expect(answer.status).toBeGreaterThanOrEqual(400);
		const execution = await real.nextExecution(hooks.quote.id, before);
		expect(execution.status).toBe('error');
		expect(JSON.stringify(execution.data?.resultData.error ?? {})).toContain(
			'Minimum fiat amount should be more than or equal to 30 EUR',
		);
	});

	test('widget URL: the documented body with the access token; {widgetUrl}, which opens once', async () => {
		fake.reset();
		const answer = await call('widget', { wallet: '0xabc', amount: 120, partnerOrderId: 'po-1' });
		expect(answer.status).toBe(200);
		const items = answer.json as Array<{ widgetUrl: string }>;
		expect(items).toEqual([{ widgetUrl: expect.stringContaining('sessionId=') }]);
		expect(fake.requestsTo(SESSION).map((r) => [r.accessToken, r.body])).toEqual([
			[
				fake.accessToken,
				{
					widgetParams: {
						walletAddress: '0xabc',
						cryptoCurrencyCode: 'ETH',
						network: 'ethereum',
						fiatCurrency: 'EUR',
						fiatAmount: 120,
						partnerOrderId: 'po-1',
						productsAvailed: 'BUY',
						referrerDomain: 'shop.example.com',
						apiKey: fake.apiKey,
					},
				},
			],
		]);
		expect((await fetch(items[0].widgetUrl)).status).toBe(200);
		expect((await fetch(items[0].widgetUrl)).status).toBe(410);
	});

	test('widget URL with an expired token: refreshed once with the API secret, like every call', async () => {
		issuedTokens.push(await real.expireCredentialToken(fake, credential.id));
		const answer = await call('widget', { wallet: '0xdef', amount: 80 });
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual([{ widgetUrl: expect.stringContaining('sessionId=') }]);
		expect(fake.refreshCalls).toBe(1);
		issuedTokens.push(fake.accessToken);
		expect(
			fake
				.requestsTo(SESSION)
				.map((r) => r.accessToken)
				.slice(-1),
		).toEqual([fake.accessToken]);
	});

	test.each([
		['getCryptoCurrencies', { search: 'usdc' }, 4, '/api/v2/currencies/crypto-currencies'],
		['getFiatCurrencies', {}, 4, '/api/v2/currencies/fiat-currencies'],
		['getCountries', { search: 'fr' }, 1, '/api/v2/countries'],
	])('currency %s: one item per entry, no token sent', async (name, body, count, listPath) => {
		fake.reset();
		const answer = await call(name, body);
		expect(answer.status).toBe(200);
		expect(answer.json).toHaveLength(count);
		expect(fake.requestsTo(listPath).map((r) => r.accessToken)).toEqual([undefined]);
	});

	test('orders answered with `_id`, as Transak’s API does: every item has its orderId', async () => {
		const { id, status } = fake.orders[3];
		const one = await call('order', { orderId: id });
		expect(one.json).toEqual([expect.objectContaining({ _id: id, orderId: id, status })]);
		const all = (await call('orders')).json as Array<{ _id: string; orderId: string }>;
		expect(all).toHaveLength(8);
		expect(all.every((o) => o.orderId === o._id)).toBe(true);
		expect(new Set(all.map((o) => o.orderId))).toEqual(new Set(fake.orders.map((o) => o.id)));
	});

	test('the dropdowns: Transak’s lists through n8n’s loadOptions, following what is chosen', async () => {
		const options = async (methodName: string, currentNodeParameters: Record<string, unknown>) =>
			(
				(await client.rest('POST', '/dynamic-node-parameters/options', {
					nodeTypeAndVersion: { name: `${real.PACKAGE}.transak`, version: 1 },
					path: 'parameters.network',
					methodName,
					currentNodeParameters,
					credentials: { transakApi: credential },
				})) as { data: Array<{ value: string }> }
			).data.map((o) => o.value);
		expect(await options('getNetworks', { resource: 'quote', cryptoCurrency: 'USDC' })).toEqual([
			'base',
			'ethereum',
			'polygon',
			'solana',
		]);
		expect(
			await options('getPaymentMethods', {
				resource: 'widgetUrl',
				widgetParams: { fiatCurrency: 'GBP' },
			}),
		).toEqual(['credit_debit_card', 'gbp_bank_transfer']);
		expect(await options('getCryptoCurrencies', { resource: 'quote' })).toContain('ETH');
		expect(await options('getCountries', { resource: 'quote' })).not.toContain('KP');
	});

	test('example "quote -> payment link": the form’s completion page shows the quote and a working link', async () => {
		const workflow = example('quote-to-payment-link.json');
		const { id } = await client.createWorkflow(workflow);
		workflowIds.push(id);
		await client.activate(id);
		const formPath = workflow.nodes.find(
			(n: { type: string }) => n.type === 'n8n-nodes-base.formTrigger',
		).parameters.options.path;
		fake.reset();

		const wallet = '0x86349020e9394b2BE1b1262531B0C3335fc32F20';
		const done = await submitForm(client.baseUrl, formPath, ['100', 'EUR', wallet]);
		expect(done.fields).toEqual(['field-0', 'field-1', 'field-2']);
		const [quoteCall] = fake.requestsTo(QUOTES);
		expect(quoteCall.query).toMatchObject({ fiatAmount: '100', fiatCurrency: 'EUR' });
		expect(done.title).toMatch(/^Your quote: 0\.\d+ ETH$/);
		expect(done.text).toContain('For 100 EUR you get about');
		expect(done.text).toContain('The link works once, within 5 minutes.');
		const link = done.links.find((l) => l.includes('sessionId='));
		expect(link).toBeDefined();
		expect(fake.requestsTo(SESSION)[0].body).toMatchObject({
			widgetParams: { walletAddress: wallet, fiatAmount: 100, fiatCurrency: 'EUR' },
		});
		expect((await fetch(String(link))).status).toBe(200);

		const refused = await submitForm(client.baseUrl, formPath, ['10', 'EUR', wallet]);
		expect(refused.title).toBe('No quote');
		expect(refused.text).toContain(
			'Transak could not quote this: Minimum fiat amount should be more than or equal to 30 EUR',
		);
	});

	test('example "AI agent with Transak tools" imports; its Transak tools are known node types', async () => {
		const workflow = example('ai-agent-transak-tools.json');
		const { id } = await client.createWorkflow(workflow);
		workflowIds.push(id);
		const types = (
			await client.http('GET', '/types/nodes.json', { headers: { cookie: client.session.cookie } })
		).json as Array<{ name: string }>;
		const known = new Set(types.map((t) => t.name));
		const tools = workflow.nodes.filter(
			(n: { type: string }) => n.type === `${real.PACKAGE}.transakTool`,
		);
		expect(tools).toHaveLength(4);
		for (const node of workflow.nodes as Array<{ type: string }>)
			expect([node.type, known.has(node.type)]).toEqual([node.type, true]);
	});

	test('an AI Agent calls the example’s Get Quote tool: what the model is shown, the call, the answer', async () => {
		const pair = { fiatCurrency: 'EUR', cryptoCurrency: 'ETH', network: 'ethereum' };
		const model = await startFakeModel({
			tool: /quote/i,
			args: { isBuyOrSell: 'BUY', ...pair, amountIn: 'fiat', amount: 100 },
			reply: (output) => `You get ${/"cryptoAmount":\s*([0-9.]+)/.exec(output)?.[1]} ETH`,
		});
		try {
			// Through the public API as is: n8n 1.x refuses createCredential's extra field here.
			const modelCredential = (await client.api('POST', '/credentials', {
				name: 'Scripted model',
				type: 'openAiApi',
				data: { apiKey: 'sk-e2e-not-a-real-key', url: model.url, header: false },
			})) as { id: string; name: string };
			const template = example('ai-agent-transak-tools.json');
			const byName = (name: string) =>
				template.nodes.find((n: { name: string }) => n.name === name);
			const agent = byName('AI Agent');
			const chatModel = byName('OpenAI Chat Model');
			chatModel.credentials = { openAiApi: modelCredential };
			const hook = uniqueId('onramp-agent');
			const { id } = await client.createWorkflow({
				name: 'On-ramp: AI agent',
				nodes: [
					node(
						'Start',
						'n8n-nodes-base.webhook',
						{ httpMethod: 'POST', path: hook, responseMode: 'lastNode', options: {} },
						{ typeVersion: 2, webhookId: hook },
					),
					{
						...agent,
						parameters: {
							...agent.parameters,
							promptType: 'define',
							text: '={{ $json.body.question }}',
						},
					},
					chatModel,
					byName('Get Quote'),
				],
				connections: {
					...connect([['Start', 'AI Agent']]),
					'OpenAI Chat Model': {
						ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
					},
					'Get Quote': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
				},
			});
			workflowIds.push(id);
			await real.activate(id, hook, JSON.stringify({ question: 'probe' }));
			fake.reset();
			model.requests.length = 0;

			const answer = await real.post(client, hook, {
				question: 'How much ETH do I get for 100 EUR?',
			});
			expect(answer.status).toBe(200);
			const [quoteCall] = fake.requestsTo(QUOTES);
			expect(quoteCall.query).toEqual({
				partnerApiKey: fake.apiKey,
				isBuyOrSell: 'BUY',
				...pair,
				fiatAmount: '100',
			});
			expect(JSON.stringify(answer.json)).toMatch(/You get 0\.\d+ ETH/);

			const offered = model.requests[0].tools?.map((t) => t.function) ?? [];
			expect(offered).toHaveLength(1);
			expect(offered[0].description).toContain('price quote');
			const properties = offered[0].parameters?.properties as Record<
				string,
				{ description?: string }
			>;
			expect(Object.keys(properties).sort()).toEqual(
				['amount', 'amountIn', 'cryptoCurrency', 'fiatCurrency', 'isBuyOrSell', 'network'].sort(),
			);
			expect(properties.network.description).toContain('ethereum');
		} finally {
			await model.close();
		}
	});

	test('no access token or API secret in execution data or the n8n log', async () => {
		const data = await real.allExecutionData(workflowIds);
		expect(data).toContain('widgetUrl');
		real.expectNoneOf([fake.apiSecret, ...issuedTokens, ...fake.validTokens], data, client.logs());
	});
});
