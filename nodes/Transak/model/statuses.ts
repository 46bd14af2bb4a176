import type { INodePropertyOptions } from 'n8n-workflow';

/** A route of the Transak Status Router, in output order. `other` is the always-present last output. */
export type RouteKey =
	| 'awaitingPayment'
	| 'processing'
	| 'onHold'
	| 'completed'
	| 'failed'
	| 'refunded'
	| 'kycSubmitted'
	| 'kycApproved'
	| 'kycRejected';

export interface RouteDefinition {
	key: RouteKey;
	name: string;
	statuses: readonly string[];
}

/** The public contract's outputs 0-8, in this order; output 9, Other, follows them. */
export const ROUTES: readonly RouteDefinition[] = [
	{
		key: 'awaitingPayment',
		name: 'Awaiting Payment',
		statuses: ['AWAITING_PAYMENT_FROM_USER', 'PAYMENT_DONE_MARKED_BY_USER'],
	},
	{
		key: 'processing',
		name: 'Processing',
		statuses: ['PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK'],
	},
	{ key: 'onHold', name: 'On Hold', statuses: ['ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK'] },
	{ key: 'completed', name: 'Completed', statuses: ['COMPLETED'] },
	{ key: 'failed', name: 'Failed', statuses: ['FAILED', 'CANCELLED', 'EXPIRED'] },
	{ key: 'refunded', name: 'Refunded', statuses: ['REFUNDED'] },
	{ key: 'kycSubmitted', name: 'KYC Submitted', statuses: ['SUBMITTED'] },
	{ key: 'kycApproved', name: 'KYC Approved', statuses: ['APPROVED'] },
	{ key: 'kycRejected', name: 'KYC Rejected', statuses: ['REJECTED'] },
];

export const OTHER_ROUTE_NAME = 'Other';

export const ROUTE_KEYS: readonly RouteKey[] = ROUTES.map((route) => route.key);

const ROUTE_BY_STATUS: ReadonlyMap<string, RouteKey> = new Map(
	ROUTES.flatMap((route) => route.statuses.map((status) => [status, route.key] as const)),
);

/** Options for the router's `routes` parameter (Other is not among them: it always exists). */
export const ROUTE_OPTIONS: INodePropertyOptions[] = ROUTES.map((route) => ({
	name: route.name,
	value: route.key,
	description: route.statuses.join(', '),
}));

/**
 * `" completed "`, `completed`, `Pending-Delivery-From-Transak` all name a Transak status; anything
 * that is not a non-empty string (a number, an object, null) names none.
 */
export function normalizeStatus(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const status = value
		.trim()
		.toUpperCase()
		.replace(/[\s-]+/g, '_');
	return status.length > 0 ? status : undefined;
}

/** The route a status belongs to, or undefined for an unknown or missing status (the Other output). */
export function routeForStatus(value: unknown): RouteKey | undefined {
	const status = normalizeStatus(value);
	return status === undefined ? undefined : ROUTE_BY_STATUS.get(status);
}

/**
 * The routes that get an output, in contract order, from the `routes` parameter. Unset means every
 * route (saved workflows omit parameters left at their default); unknown values are ignored.
 */
export function selectedRoutes(value: unknown): RouteKey[] {
	if (!Array.isArray(value)) return [...ROUTE_KEYS];
	const chosen = new Set(value.filter((v): v is string => typeof v === 'string'));
	return ROUTE_KEYS.filter((key) => chosen.has(key));
}

/**
 * Output index for a status: the position of its route among the selected ones, or the last
 * output (Other) when the status is unknown or its route is not selected. Never drops an item.
 */
export function outputIndexForStatus(status: unknown, routes: readonly RouteKey[]): number {
	const route = routeForStatus(status);
	const index = route === undefined ? -1 : routes.indexOf(route);
	return index === -1 ? routes.length : index;
}
