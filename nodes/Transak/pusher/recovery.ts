import type { IDataObject } from 'n8n-workflow';

import type { JwtVerifier } from '../verification/jwt';
import { orderEvent, sanitize, type TransakEvent } from '../model/decode';
import { EVENTS_BY_STATUS, ORDER_EVENT_IDS, type ChannelMode } from './channels';

/** The partner API calls recovery needs (nodes/shared/api.ts, bound to the trigger's context). */
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
	/** Changes up to this long before the connection was last heard from count as missed (clock skew, delivery lag). */
	marginMs?: number;
	/** Page size and page count for the all-orders listing. */
	pageSize?: number;
	maxPages?: number;
	/** Told about a secondary source that could not be read (the webhook history). */
	onSourceError?: (source: string, error: unknown) => void;
}

export const RECOVERY_MARGIN_MS = 60_000;

/** A missed status change, ready to emit. */
export interface RecoveredEvent {
	event: TransakEvent;
	/** When it happened, for ordering (ms since epoch). */
	at: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function time(value: unknown): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const ms = typeof value === 'number' ? value : Date.parse(value);
	return Number.isFinite(ms) ? ms : undefined;
}

/** The latest moment an order is known to have changed. */
export function orderChangedAt(order: Record<string, unknown>): number | undefined {
	const times = [order.updatedAt, order.completedAt, order.createdAt].map(time);
	if (Array.isArray(order.statusHistories)) {
		for (const entry of order.statusHistories)
			if (isPlainObject(entry)) times.push(time(entry.createdAt));
	}
	const known = times.filter((t): t is number => t !== undefined);
	return known.length > 0 ? Math.max(...known) : undefined;
}

/**
 * The event ID to report for a status, honouring the filter: an EXPIRED order is `ORDER_FAILED`,
 * or `ORDER_EXPIRED` if only that variant is selected. Undefined: unknown status, or not selected.
 */
export function eventIdForStatus(status: unknown, selected: readonly string[]): string | undefined {
	const candidates = typeof status === 'string' ? EVENTS_BY_STATUS[status] : undefined;
	if (candidates === undefined) return undefined;
	if (selected.length === 0) return candidates[0];
	return candidates.find((eventID) => selected.includes(eventID));
}

function utcDay(ms: number): string {
	return new Date(ms).toISOString().slice(0, 10);
}

function recovered(
	eventID: string,
	order: Record<string, unknown>,
	at: number,
): RecoveredEvent | undefined {
	const built = orderEvent(eventID, order);
	if (!built.ok) return undefined;
	built.event.json = sanitize({ ...built.event.json, recovered: true });
	return { event: built.event, at };
}

function fromOrders(
	orders: readonly unknown[],
	since: number,
	events: readonly string[],
): RecoveredEvent[] {
	const out: RecoveredEvent[] = [];
	for (const order of orders) {
		if (!isPlainObject(order)) continue;
		const at = orderChangedAt(order);
		if (at === undefined || at < since) continue;
		const eventID = eventIdForStatus(order.status, events);
		if (eventID === undefined) continue;
		const item = recovered(eventID, order, at);
		if (item !== undefined) out.push(item);
	}
	return out;
}

/** Past webhook deliveries `{createdAt, eventID, webhookData}`: they also hold intermediate statuses. */
function fromWebhooks(
	deliveries: readonly unknown[],
	since: number,
	settings: RecoverySettings,
): RecoveredEvent[] {
	const out: RecoveredEvent[] = [];
	for (const delivery of deliveries) {
		if (!isPlainObject(delivery)) continue;
		const at = time(delivery.createdAt);
		if (at === undefined || at < since) continue;
		let order: unknown = delivery.webhookData;
		let eventID: unknown = delivery.eventID;
		if (typeof order === 'string') {
			const check = settings.verifier.verify(order);
			if (!check.ok) continue;
			order = isPlainObject(check.claims.webhookData) ? check.claims.webhookData : check.claims;
			eventID = eventID ?? check.claims.eventID;
		}
		if (!isPlainObject(order)) continue;
		if (typeof eventID !== 'string' || !ORDER_EVENT_IDS.has(eventID)) continue;
		if (settings.events.length > 0 && !settings.events.includes(eventID)) continue;
		const item = recovered(eventID, order, at);
		if (item !== undefined) out.push(item);
	}
	return out;
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
			found = fromOrders([await api.getOrder(String(target.orderId))], since, settings.events);
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
			);
			break;
		case 'allOrders': {
			const pageSize = settings.pageSize ?? 100;
			const maxPages = settings.maxPages ?? 5;
			const orders: unknown[] = [];
			// Orders are listed by creation date: look one day further back for older orders that changed.
			const query = {
				startDate: utcDay(since - 86_400_000),
				endDate: utcDay(Date.now() + 86_400_000),
				sortOrder: 'desc' as const,
				limit: pageSize,
			};
			for (let page = 0; page < maxPages; page += 1) {
				const batch = await api.listOrders({ ...query, skip: page * pageSize });
				orders.push(...batch);
				if (batch.length < pageSize) break;
			}
			found = fromOrders(orders, since, settings.events);
			try {
				found.push(...fromWebhooks(await api.listWebhooks({}), since, settings));
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
