import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { namedEvent, openDelivery } from '../model/decode';
import { isObject } from '../model/guards';
import { cleanServerText, quoteServerText } from '../text/serverText';
import { listWebhooks, transakCredentials } from '../transport';
import { apiAccessToken } from '../transport/token';
import { signHs256 } from '../verification/jwt';
import { verificationKeys, verifierFor } from '../verification/keys';

/*
 * A first event while the editor listens. Transak posts only to the URL registered with it by
 * hand, never to n8n's test URL, so "Listen for test event" would wait for ever. When the editor
 * listens, the trigger asks Transak's webhook history for its latest delivery of a selected event,
 * signs it with the credential's access token as Transak signed it, and posts it to the test URL:
 * it then goes through the same verification, decoding and filter as any delivery.
 */

/** The `testEvent` option: what listening in the editor does. */
export const TEST_EVENT_OPTIONS = [
	{
		name: 'Replay Latest Delivery From Transak',
		value: 'latestDelivery',
		description:
			"Fetch Transak's latest webhook delivery of a selected event and send it to the test URL",
	},
	{
		name: 'Wait for Transak',
		value: 'wait',
		description: 'Wait for Transak (or a simulator) to post to the test URL',
	},
];
export const DEFAULT_TEST_EVENT = 'latestDelivery';

const createdAtOf = (delivery: IDataObject) => {
	const time = Date.parse(String(delivery.createdAt ?? ''));
	return Number.isFinite(time) ? time : 0;
};

/** The newest listed delivery of one of `events` (any event when empty), opened and verified. */
export function latestDelivery(
	deliveries: IDataObject[],
	events: readonly string[],
	verify: (token: string) => IDataObject | undefined,
): IDataObject | undefined {
	const wanted = new Set(events);
	const newestFirst = deliveries
		.map((delivery) => openDelivery(delivery, verify))
		// A delivery listed still signed that no key of the credential verifies is not replayed.
		.filter((delivery) => isObject(delivery.webhookData))
		.filter((delivery) => {
			const eventID = namedEvent(delivery);
			return eventID !== undefined && (wanted.size === 0 || wanted.has(eventID));
		})
		.sort((a, b) => createdAtOf(b) - createdAtOf(a));
	return newestFirst[0];
}

/**
 * Sends the latest delivery to the node's test URL; resolves with what happened, in words for the
 * log. Never throws: listening goes on whatever happens here.
 */
export async function sendLatestDelivery(this: IHookFunctions, events: string[]): Promise<string> {
	try {
		const url = this.getNodeWebhookUrl('default');
		if (url === undefined) return 'no test URL';
		const credentials = await transakCredentials.call(this);
		const query = events.length === 1 ? { eventID: events[0] } : {};
		const deliveries = await listWebhooks.call(this, query, credentials);
		const verifier = verifierFor(verificationKeys(credentials));
		const delivery = latestDelivery(deliveries, events, (token) => verifier.claimsOf(token));
		if (delivery === undefined)
			return `Transak's webhook history has no delivery of ${events.length ? events.join(', ') : 'any event'} yet`;
		const claims = {
			eventID: namedEvent(delivery),
			...(delivery.createdAt === undefined ? {} : { createdAt: delivery.createdAt }),
			webhookData: delivery.webhookData,
		};
		const data = signHs256(claims, apiAccessToken(credentials));
		await this.helpers.httpRequest({
			method: 'POST',
			url,
			body: { data },
			json: true,
			timeout: 10_000,
		});
		return `replayed Transak's latest ${cleanServerText(claims.eventID, 80)} delivery (${quoteServerText(delivery.createdAt ?? '', 40)}) to the test URL`;
	} catch (error) {
		return `no test event: ${quoteServerText((error as Error).message, 300)}`;
	}
}
