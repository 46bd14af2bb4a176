import type { IDataObject, ITriggerFunctions } from 'n8n-workflow';

import { decodeEvent, openDelivery, orderIdOf, type TransakEvent } from '../model/decode';
import { isObject, text, timeOf } from '../model/guards';
import { eventIdForStatus, isEventSelected, ORDER_EVENT_IDS } from '../model/statuses';
import { collectPages, getOrder, listOrders, listWebhooks } from '../transport';
import type { TransakCredentials } from '../transport/credentials';
import { usableBaseUrl } from '../transport/hosts';
import type { JwtVerifier } from '../verification/jwt';
import type { ChannelMode } from './channels';

/** The partner API calls recovery needs. */
export interface RecoveryApi {
	getOrder(orderId: string): Promise<IDataObject>;
	listOrders(query: {
		limit?: number;
		skip?: number;
		startDate?: string;
		endDate?: string;
		partnerOrderId?: string;
		sortOrder?: 'asc' | 'desc';
	}): Promise<IDataObject[]>;
	listWebhooks(query: { eventID?: string; orderID?: string }): Promise<IDataObject[]>;
}

export interface RecoveryTarget {
	mode: ChannelMode;
	orderId?: string;
	partnerOrderId?: string;
}

export interface RecoverySettings {
	/** Selected events; empty means all. */
	events: readonly string[];
	/** Verifies webhook deliveries whose data is still a JWT. */
	verifier: JwtVerifier;
	/** Reads the keys again, once, when a delivery fails verification (a token rotated meanwhile). */
	rereadKeys?: () => Promise<JwtVerifier | undefined>;
	/** Changes up to this long before the connection was last heard from count as missed (clock skew, delivery lag). */
	marginMs?: number;
	/** Page size and page count for the all-orders listing. */
	pageSize?: number;
	maxPages?: number;
	/** Told about a secondary source that could not be read (the webhook history). */
	onSourceError?: (source: string, error: unknown) => void;
}

const RECOVERY_MARGIN_MS = 60_000;

/** A missed status change, ready to emit. */
export interface RecoveredEvent {
	event: TransakEvent;
	/** When it happened, for ordering (ms since epoch). */
	at: number;
}

/** The latest moment an order is known to have changed (a loop: a history may be very long). */
export function orderChangedAt(order: Record<string, unknown>): number | undefined {
	let latest: number | undefined;
	const consider = (value: unknown) => {
		const at = timeOf(value);
		if (at !== undefined && (latest === undefined || at > latest)) latest = at;
	};
	consider(order.updatedAt);
	consider(order.completedAt);
	consider(order.createdAt);
	if (Array.isArray(order.statusHistories)) {
		for (const entry of order.statusHistories) if (isObject(entry)) consider(entry.createdAt);
	}
	return latest;
}

/**
 * The missed events among `records`, each record on its own: one that cannot be read (or that
 * throws) is left out, never the others.
 */
function each(
	records: readonly unknown[],
	read: (record: IDataObject) => RecoveredEvent | undefined,
): RecoveredEvent[] {
	const out: RecoveredEvent[] = [];
	for (const record of records) {
		if (!isObject(record)) continue;
		try {
			const event = read(record);
			if (event !== undefined) out.push(event);
		} catch {
			// Hostile or broken: this record only.
		}
	}
	return out;
}

function utcDay(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}

/** A record read back from the partner API as a missed event, marked `recovered: true`. */
function recovered(record: unknown, at: number, event?: string): RecoveredEvent | undefined {
	const decoded = decodeEvent(record, { event });
	if (!decoded.ok || decoded.event.kind !== 'order') return undefined;
	decoded.event.json.recovered = true;
	return { event: { ...decoded.event, recovered: true }, at };
}

/**
 * Whether a listed order may be one the channel follows: an answer that ignored the filter must not
 * start executions for other orders. A record that does not say which order it is stays (the API
 * was asked for that order alone).
 */
function followedBy(target: RecoveryTarget): (order: IDataObject) => boolean {
	const same = (value: string | undefined, wanted: string | undefined) =>
		value === undefined || value === wanted;
	switch (target.mode) {
		case 'orderId':
			return (order) => same(orderIdOf(order), target.orderId);
		case 'partnerOrderId':
			return (order) => same(text(order.partnerOrderId), target.partnerOrderId);
		default:
			return () => true;
	}
}

function fromOrders(
	orders: readonly unknown[],
	since: number,
	events: readonly string[],
	follows: (order: IDataObject) => boolean = () => true,
): RecoveredEvent[] {
	return each(orders, (order) => {
		if (!follows(order)) return undefined;
		const at = orderChangedAt(order);
		if (at === undefined || at < since) return undefined;
		const eventID = eventIdForStatus(order.status, events);
		return eventID === undefined ? undefined : recovered(order, at, eventID);
	});
}

/** Past webhook deliveries `{createdAt, eventID, webhookData}`: they also hold intermediate statuses. */
async function fromWebhooks(
	deliveries: readonly unknown[],
	since: number,
	settings: RecoverySettings,
): Promise<RecoveredEvent[]> {
	const unverified: IDataObject[] = [];
	const read = (verifier: JwtVerifier) => (delivery: IDataObject) => {
		const at = timeOf(delivery.createdAt);
		if (at === undefined || at < since) return undefined;
		const opened = openDelivery(delivery, (token) => verifier.claimsOf(token));
		// Still a token: none of the keys verifies it.
		if (!isObject(opened.webhookData)) {
			if (typeof delivery.webhookData === 'string') unverified.push(delivery);
			return undefined;
		}
		const item = recovered(opened, at);
		if (item === undefined || !ORDER_EVENT_IDS.has(item.event.eventID)) return undefined;
		return isEventSelected(settings.events, item.event.eventID) ? item : undefined;
	};
	const found = each(deliveries, read(settings.verifier));
	if (unverified.length === 0 || settings.rereadKeys === undefined) return found;
	// Perhaps signed with a token the credential got meanwhile: read the keys once, try those again.
	const fresher = await settings.rereadKeys();
	return fresher === undefined ? found : found.concat(each(unverified.splice(0), read(fresher)));
}

/**
 * Asks the partner API what changed on the watched channel since `missedSince` (the time the
 * connection was last heard from, minus a margin). Returns the changes oldest first; the caller
 * de-duplicates against what it already emitted. Throws when the primary source fails.
 */
export async function fetchMissedEvents(
	api: RecoveryApi,
	target: RecoveryTarget,
	missedSince: number,
	settings: RecoverySettings,
): Promise<RecoveredEvent[]> {
	const since = missedSince - (settings.marginMs ?? RECOVERY_MARGIN_MS);
	let found: RecoveredEvent[];
	switch (target.mode) {
		case 'orderId':
			found = fromOrders(
				[await api.getOrder(String(target.orderId))],
				since,
				settings.events,
				followedBy(target),
			);
			break;
		case 'partnerOrderId':
			found = fromOrders(
				await api.listOrders({
					partnerOrderId: String(target.partnerOrderId),
					limit: 100,
					sortOrder: 'desc',
				}),
				since,
				settings.events,
				followedBy(target),
			);
			break;
		case 'allOrders': {
			// Orders are listed by creation date: look one day further back for older orders that changed.
			const query = {
				startDate: utcDay(since - 86_400_000),
				endDate: utcDay(Date.now() + 86_400_000),
				sortOrder: 'desc' as const,
			};
			// Every record as listed (no ID is read here: fromOrders skips odd records one by one),
			// until a short page or the page bound.
			const orders = await collectPages(
				async (skip, limit) => ({ items: await api.listOrders({ ...query, skip, limit }) }),
				() => undefined,
				{ pageSize: settings.pageSize ?? 100, maxPages: settings.maxPages ?? 5 },
			);
			found = fromOrders(orders, since, settings.events);
			try {
				found = found.concat(await fromWebhooks(await api.listWebhooks({}), since, settings));
			} catch (error) {
				settings.onSourceError?.('webhook history', error);
			}
			break;
		}
		default:
			return [];
	}
	// Oldest first; for one order, a delivery's intermediate status before its final one.
	return found.sort((a, b) => a.at - b.at);
}

/** The partner API calls for recovery, bound to a trigger, or why there are none. */
export function recoveryApi(
	context: ITriggerFunctions,
	credentials: TransakCredentials,
	enabled: boolean,
): RecoveryApi | { unavailable: string } {
	if (!enabled) return { unavailable: 'turned off in the options' };
	if (usableBaseUrl(credentials, 'api') === undefined) {
		return { unavailable: 'the Transak API credential has no valid base URL' };
	}
	return {
		getOrder: async (id) => await getOrder.call(context, id),
		listOrders: async (query) => await listOrders.call(context, query),
		listWebhooks: async (query) => await listWebhooks.call(context, query),
	};
}
