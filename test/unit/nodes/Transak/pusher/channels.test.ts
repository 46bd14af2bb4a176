/** Channel names and reading Pusher event data, with verification where the channel demands it. */
import { channelFor, parsePusherEvent } from '../../../../../nodes/Transak/pusher/channels';
import { JwtVerifier } from '../../../../../nodes/Transak/verification/jwt';
import { ACCESS_TOKEN, fixtures, newOrder, signedOrder } from '../../../support/pusher';

const verifier = new JwtVerifier([ACCESS_TOKEN]);

describe('channelFor', () => {
	it.each([
		['orderId', { apiKey: 'k', orderId: ' abc-1 ' }, 'abc-1'],
		['partnerOrderId', { apiKey: 'k', partnerOrderId: 'ref' }, 'k_ref'],
		['allOrders', { apiKey: 'k' }, 'k'],
	] as const)('builds the Transak channel name for %s', (mode, ids, name) => {
		expect(channelFor(mode, ids)).toEqual({ ok: true, name });
	});

	it('explains what is missing or unusable', () => {
		expect(channelFor('orderId', { apiKey: 'k', orderId: '' })).toEqual({
			ok: false,
			message: 'Order ID is empty',
		});
		expect(channelFor('partnerOrderId', { apiKey: '', partnerOrderId: 'x' })).toMatchObject({
			ok: false,
		});
		expect(channelFor('allOrders', { apiKey: 'a/b' })).toMatchObject({
			ok: false,
			message: expect.stringMatching(/not a valid Pusher channel/),
		});
		expect(channelFor('orderId', { orderId: 'x'.repeat(165) })).toMatchObject({ ok: false });
		expect(channelFor('bogus' as never, {})).toMatchObject({ ok: false });
	});
});

describe('parsePusherEvent', () => {
	it('all orders: only verified tokens, also inside {data: "<JWT>"}', () => {
		const order = newOrder({ status: 'COMPLETED' });
		const token = signedOrder('ORDER_COMPLETED', order);
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', token, verifier)).toMatchObject({
			ok: true,
			event: { status: 'COMPLETED' },
		});
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', { data: token }, verifier),
		).toMatchObject({ ok: true });
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', JSON.stringify(token), verifier),
		).toMatchObject({ ok: true });
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', order, verifier)).toMatchObject({
			ok: false,
			reason: 'malformed',
		});
		expect(
			parsePusherEvent('allOrders', 'ORDER_COMPLETED', fixtures.forge(order), verifier),
		).toMatchObject({ ok: false, reason: 'rejected' });
		const alg = fixtures.sign(order, ACCESS_TOKEN, { algorithm: 'HS512' });
		expect(parsePusherEvent('allOrders', 'ORDER_COMPLETED', alg, verifier)).toMatchObject({
			ok: false,
			reason: 'rejected',
		});
	});

	it('public channels: a signed token must verify too', () => {
		const order = newOrder();
		expect(
			parsePusherEvent('orderId', 'ORDER_CREATED', signedOrder('ORDER_CREATED', order), verifier),
		).toMatchObject({ ok: true });
		expect(
			parsePusherEvent('orderId', 'ORDER_CREATED', fixtures.forge(order), verifier),
		).toMatchObject({ ok: false, reason: 'rejected' });
	});

	it('ignores KYC events and orders without an id', () => {
		const kyc = fixtures.sign(fixtures.kycClaims('KYC_APPROVED', 'APPROVED'), ACCESS_TOKEN);
		expect(parsePusherEvent('allOrders', 'KYC_APPROVED', kyc, verifier)).toMatchObject({
			ok: false,
			reason: 'ignored',
		});
		expect(parsePusherEvent('orderId', 'ORDER_CREATED', { status: 'X' }, verifier)).toMatchObject({
			ok: false,
			reason: 'ignored',
		});
		expect(parsePusherEvent('orderId', 'ORDER_CREATED', 42, verifier)).toMatchObject({
			ok: false,
			reason: 'malformed',
		});
	});
});
