import type { INodePropertyOptions } from 'n8n-workflow';

import { ROUTE_BY_STATUS, ROUTES, type RouteDefinition, type RouteKey } from './statuses';

/**
 * The routes of a Status Router version, in output order: those that joined at or before it. A
 * route added later never shows in an earlier version, so saved workflows keep their outputs.
 */
export function routesOfVersion(
	version: number,
	routes: readonly RouteDefinition[] = ROUTES,
): RouteDefinition[] {
	return routes.filter((route) => route.since <= version);
}

/** Options for the router's `routes` parameter (Other is not among them: it always exists). */
export function routeOptions(routes: readonly RouteDefinition[]): INodePropertyOptions[] {
	return routes.map((route) => ({
		name: route.name,
		value: route.key,
		description: route.statuses.join(', '),
	}));
}

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
 * The routes that get an output, in output order, from the `routes` parameter of a router of
 * `version`. Unset means every route of that version (saved workflows omit parameters left at
 * their default); unknown values, and routes of later versions, are ignored.
 */
export function selectedRoutes(value: unknown, version: number): RouteKey[] {
	const keys = routesOfVersion(version).map((route) => route.key);
	if (!Array.isArray(value)) return keys;
	const chosen = new Set(value.filter((v): v is string => typeof v === 'string'));
	return keys.filter((key) => chosen.has(key));
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
