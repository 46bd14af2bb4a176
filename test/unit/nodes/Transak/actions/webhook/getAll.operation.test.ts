/** Webhook > Get Many (delivered webhooks) on the fake Transak API. */
import { type IDataObject } from 'n8n-workflow';

import { transakNodePerTest } from '../../../../support/api';

/* eslint-disable @typescript-eslint/no-require-imports */
const { sign, sampleOrder } = require('../../../../../../tools/transak/fixtures');
/* eslint-enable @typescript-eslint/no-require-imports */

const api = transakNodePerTest();
const { run } = api;

describe('webhook: getAll', () => {
	const list = (extra: IDataObject = {}) =>
		run({
			resource: 'webhook',
			operation: 'getAll',
			returnAll: true,
			webhookFilters: {},
			...extra,
		});

	it('lists past deliveries shaped for reconciliation, filtered by event and order', async () => {
		const [a, b] = api.fake.orders;
		api.fake.addWebhook({
			id: 'w1',
			eventID: 'ORDER_COMPLETED',
			order: { ...a, status: 'COMPLETED' },
			createdAt: '2024-08-01T00:00:00.000Z',
		});
		api.fake.addWebhook({
			id: 'w2',
			eventID: 'ORDER_FAILED',
			order: { ...b, status: 'EXPIRED' },
			createdAt: '2024-08-02T00:00:00.000Z',
		});
		api.fake.addWebhook({
			id: 'w3',
			eventID: 'ORDER_COMPLETED',
			order: { ...b, status: 'COMPLETED' },
		});

		const all = await list();
		expect(all).toHaveLength(3);
		expect(all[1]).toEqual({
			json: {
				id: 'w2',
				eventID: 'ORDER_FAILED',
				orderId: b.id,
				status: 'EXPIRED',
				createdAt: '2024-08-02T00:00:00.000Z',
				webhookData: { ...b, status: 'EXPIRED' },
			},
			pairedItem: { item: 0 },
		});
		expect(JSON.stringify(all)).not.toContain(api.fake.apiKey); // partnerApiKey is left out

		expect(
			(await list({ webhookFilters: { eventID: 'ORDER_COMPLETED' } })).map((i) => i.json.id),
		).toEqual(['w1', 'w3']);
		expect((await list({ webhookFilters: { orderID: b.id } })).map((i) => i.json.id)).toEqual([
			'w2',
			'w3',
		]);
		expect((await list({ returnAll: false, limit: 2 })).map((i) => i.json.id)).toEqual([
			'w1',
			'w2',
		]);
		expect(api.fake.requestsTo('/partners/api/v2/webhooks').map((r) => r.query)).toEqual([
			{},
			{ eventID: 'ORDER_COMPLETED' },
			{ orderID: b.id },
			{},
		]);
	});

	it('decodes deliveries listed as JWTs signed with the access token, and keeps others as sent', async () => {
		const order = sampleOrder({ status: 'COMPLETED' });
		api.fake.addWebhook({
			id: 'signed',
			eventID: 'ORDER_COMPLETED',
			webhookData: sign({ webhookData: order, eventID: 'ORDER_COMPLETED' }, api.fake.accessToken),
		});
		const foreign = sign(
			{ webhookData: order, eventID: 'ORDER_COMPLETED' },
			'someone-else-key-123',
		);
		api.fake.addWebhook({ id: 'foreign', eventID: 'ORDER_COMPLETED', webhookData: foreign });
		api.fake.addWebhook({
			id: 'kyc',
			eventID: 'KYC_APPROVED',
			webhookData: { kycStatus: 'APPROVED', partnerUserId: 'u-1' },
		});

		const [signed, unsigned, kyc] = (await list()).map((i) => i.json);
		expect(signed).toMatchObject({
			id: 'signed',
			orderId: order.id,
			status: 'COMPLETED',
			webhookData: order,
		});
		expect(unsigned).toMatchObject({ id: 'foreign', status: 'COMPLETED', webhookData: foreign });
		expect(unsigned.orderId).toBeUndefined();
		expect(kyc).toMatchObject({
			id: 'kyc',
			eventID: 'KYC_APPROVED',
			status: 'APPROVED',
			partnerUserId: 'u-1',
		});
	});
});
