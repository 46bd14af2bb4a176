import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * Transak's statuses, each under the Status Router output it takes and with the events that
 * announce it. The first event is the one Transak sends (one event covers several statuses:
 * ORDER_FAILED is FAILED, CANCELLED or EXPIRED); the others are variants some integrations send
 * instead. Each row says whether it is an order or a KYC status, and `since` the Status Router
 * version whose outputs it joined: a new row gets a new router version and goes last among the
 * rows of that version, so no saved workflow's output moves. Routes, the default status of an
 * event and the events a status implies all derive from this table.
 */
const TABLE = [
	{
		kind: 'order',
		since: 1,
		route: 'awaitingPayment',
		name: 'Awaiting Payment',
		statuses: {
			AWAITING_PAYMENT_FROM_USER: ['ORDER_CREATED'],
			PAYMENT_DONE_MARKED_BY_USER: ['ORDER_PAYMENT_VERIFYING'],
		},
	},
	{
		kind: 'order',
		since: 1,
		route: 'processing',
		name: 'Processing',
		statuses: {
			PROCESSING: ['ORDER_PROCESSING'],
			PENDING_DELIVERY_FROM_TRANSAK: ['ORDER_PROCESSING'],
		},
	},
	{
		kind: 'order',
		since: 1,
		route: 'onHold',
		name: 'On Hold',
		statuses: { ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK: ['ORDER_PROCESSING'] },
	},
	{
		kind: 'order',
		since: 1,
		route: 'completed',
		name: 'Completed',
		statuses: { COMPLETED: ['ORDER_COMPLETED'] },
	},
	{
		kind: 'order',
		since: 1,
		route: 'failed',
		name: 'Failed',
		statuses: {
			FAILED: ['ORDER_FAILED'],
			CANCELLED: ['ORDER_FAILED', 'ORDER_CANCELLED'],
			EXPIRED: ['ORDER_FAILED', 'ORDER_EXPIRED'],
		},
	},
	{
		kind: 'order',
		since: 1,
		route: 'refunded',
		name: 'Refunded',
		statuses: { REFUNDED: ['ORDER_REFUNDED'] },
	},
	{
		kind: 'kyc',
		since: 1,
		route: 'kycSubmitted',
		name: 'KYC Submitted',
		statuses: { SUBMITTED: ['KYC_SUBMITTED'] },
	},
	{
		kind: 'kyc',
		since: 1,
		route: 'kycApproved',
		name: 'KYC Approved',
		statuses: { APPROVED: ['KYC_APPROVED'] },
	},
	{
		kind: 'kyc',
		since: 1,
		route: 'kycRejected',
		name: 'KYC Rejected',
		statuses: { REJECTED: ['KYC_REJECTED'] },
	},
] as const;

type Row = (typeof TABLE)[number];

/** A route of the Transak Status Router, in output order. Other, the last output, is not one. */
export type RouteKey = Row['route'];

type EventsOf<R> = R extends { statuses: infer S }
	? S[keyof S] extends readonly (infer E)[]
		? E
		: never
	: never;

/** Every event ID of the table. */
export type EventID = EventsOf<Row>;

/**
 * How the editor lists each event, in this order. The type demands every event of the table, so an
 * event added there cannot be forgotten here.
 */
const EVENT_LABELS: Readonly<Record<EventID, readonly [name: string, description: string]>> = {
	ORDER_CREATED: ['Order Created', 'Awaiting payment from the user'],
	ORDER_PAYMENT_VERIFYING: ['Order Payment Verifying', 'The user marked the payment as done'],
	ORDER_PROCESSING: ['Order Processing', 'Processing, pending delivery, or on hold'],
	ORDER_COMPLETED: ['Order Completed', 'Crypto or fiat delivered'],
	ORDER_FAILED: [
		'Order Failed',
		'Failed, cancelled or expired (route on status to tell them apart)',
	],
	ORDER_REFUNDED: ['Order Refunded', 'The payment was refunded'],
	ORDER_EXPIRED: [
		'Order Expired',
		'Sent by some integrations instead of Order Failed for expired orders',
	],
	ORDER_CANCELLED: [
		'Order Cancelled',
		'Sent by some integrations instead of Order Failed for cancelled orders',
	],
	KYC_SUBMITTED: ['KYC Submitted', 'The user submitted KYC details'],
	KYC_APPROVED: ['KYC Approved', 'KYC verification approved'],
	KYC_REJECTED: ['KYC Rejected', 'KYC verification rejected'],
};

export interface RouteDefinition {
	key: RouteKey;
	name: string;
	kind: 'order' | 'kyc';
	/** The Status Router version whose outputs it joined. */
	since: number;
	statuses: readonly string[];
}

/** The Status Router's outputs 0-8, in output order; output 9, Other, follows them. */
export const ROUTES: readonly RouteDefinition[] = TABLE.map((row) => ({
	key: row.route,
	name: row.name,
	kind: row.kind,
	since: row.since,
	statuses: Object.keys(row.statuses),
}));

export const OTHER_ROUTE_NAME = 'Other';

export const ROUTE_KEYS: readonly RouteKey[] = ROUTES.map((route) => route.key);

/** Order statuses (the KYC ones are not order statuses). */
export const ORDER_STATUSES: readonly string[] = ROUTES.filter(
	(route) => route.kind === 'order',
).flatMap((route) => route.statuses);

const STATUS_ROWS: ReadonlyArray<{
	status: string;
	route: RouteKey;
	kind: RouteDefinition['kind'];
	events: readonly string[];
}> = TABLE.flatMap((row) =>
	Object.entries(row.statuses).map(([status, events]) => ({
		status,
		route: row.route,
		kind: row.kind,
		events: events as readonly string[],
	})),
);

/** Keyed by payload strings: Maps, never plain objects. */
export const ROUTE_BY_STATUS: ReadonlyMap<string, RouteKey> = new Map(
	STATUS_ROWS.map((row) => [row.status, row.route]),
);

const EVENTS_BY_STATUS: ReadonlyMap<string, readonly string[]> = new Map(
	STATUS_ROWS.map((row) => [row.status, row.events]),
);

/** An event's default status: the first status of the table it announces. */
const DEFAULT_STATUS: ReadonlyMap<string, string> = new Map(
	[...STATUS_ROWS].reverse().flatMap((row) => row.events.map((event) => [event, row.status])),
);

const KYC_EVENT_IDS: ReadonlySet<string> = new Set(
	STATUS_ROWS.filter((row) => row.kind === 'kyc').flatMap((row) => row.events),
);

function options(events: EventID[]): INodePropertyOptions[] {
	return events.map((value) => ({
		name: EVENT_LABELS[value][0],
		value,
		description: EVENT_LABELS[value][1],
	}));
}

const ALL_EVENTS = Object.keys(EVENT_LABELS) as EventID[];

/** Order event IDs, as Transak sends them in webhooks (`eventID`) and as Pusher event names. */
export const ORDER_EVENTS: INodePropertyOptions[] = options(
	ALL_EVENTS.filter((event) => !KYC_EVENT_IDS.has(event)),
);

/** KYC event IDs (Whitelabel API partners). */
export const KYC_EVENTS: INodePropertyOptions[] = options(
	ALL_EVENTS.filter((event) => KYC_EVENT_IDS.has(event)),
);

export const ORDER_EVENT_IDS: ReadonlySet<string> = new Set(
	ORDER_EVENTS.map((o) => String(o.value)),
);

/** The status an event implies when its payload carries none. */
export function defaultStatus(eventID: string | undefined): string | undefined {
	return eventID === undefined ? undefined : DEFAULT_STATUS.get(eventID);
}

/** Every event that may announce a status, the one Transak sends first. Empty for an unknown status. */
export function eventsForStatus(status: unknown): readonly string[] {
	return (typeof status === 'string' ? EVENTS_BY_STATUS.get(status) : undefined) ?? [];
}

/**
 * The event to report for a status, honouring a selection: an EXPIRED order is `ORDER_FAILED`, or
 * `ORDER_EXPIRED` if only that variant is selected. Undefined: an unknown status, or none selected.
 */
export function eventIdForStatus(
	status: unknown,
	selected: readonly string[] = [],
): string | undefined {
	const candidates = eventsForStatus(status);
	if (selected.length === 0) return candidates[0];
	return candidates.find((eventID) => selected.includes(eventID));
}

/** An empty selection means every event. */
export function isEventSelected(selected: readonly string[], eventID: string): boolean {
	return selected.length === 0 || selected.includes(eventID);
}
