/**
 * n8n's queue-mode Redis settings, read from the same QUEUE_BULL_REDIS_* variables (and their
 * `_FILE` forms) n8n itself reads, so that the Transak Trigger's shared window uses n8n's Redis.
 */
import { readFileSync } from 'fs';

export interface RedisSettings {
	host: string;
	port: number;
	/** QUEUE_BULL_REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster (host and port then unused). */
	clusterNodes: Array<{ host: string; port: number }>;
	db: number;
	username?: string;
	password?: string;
	tls: boolean;
	tlsServername?: string;
	rejectUnauthorized: boolean;
	/** QUEUE_BULL_REDIS_DUALSTACK: resolve IPv4 and IPv6 addresses. */
	dualStack: boolean;
	/** QUEUE_BULL_REDIS_DNS_LOOKUP_STRATEGY: `NONE` hands cluster hostnames to TLS unresolved. */
	dnsLookup: 'lookup' | 'none';
	/** n8n's QUEUE_BULL_PREFIX: keys live beside the queue's own. */
	prefix: string;
	/** Connect and per-command timeout. */
	timeoutMs: number;
}

export type SharedWindowSettings =
	{ enabled: true; redis: RedisSettings } | { enabled: false; reason: string };

export const DEFAULT_TIMEOUT_MS = 2000;
export const NOT_QUEUE_MODE = 'n8n is not in queue mode';

export type Env = Record<string, string | undefined>;

/**
 * One setting as n8n's own configuration (`@n8n/config`) reads it: the variable when it is set at
 * all (even empty), else the content of the file named by `<NAME>_FILE`, trimmed.
 */
function raw(env: Env, name: string): string | undefined {
	const direct = env[name];
	if (direct !== undefined) return direct;
	const file = env[`${name}_FILE`];
	if (file === undefined || file === '') return undefined;
	return readFileSync(file, 'utf8').trim();
}

/** n8n trims text settings and drops one pair of matching quotes around them. */
const unquote = (value: string) => value.trim().replace(/^(['"])(.*)\1$/, '$2');

function text(env: Env, name: string, fallback: string): string {
	const value = raw(env, name);
	return value === undefined ? fallback : unquote(value);
}

/** n8n's numbers: blank keeps the default, so does anything `Number` cannot read. */
function number(env: Env, name: string, fallback: number): number {
	const value = raw(env, name);
	if (value === undefined || unquote(value) === '') return fallback;
	const parsed = Number(value);
	return Number.isNaN(parsed) ? fallback : parsed;
}

/**
 * n8n's booleans: `true`/`1` and `false`/`0` in any case, nothing trimmed; anything else keeps the
 * default. Reading `1` as false would connect without TLS, or stop checking certificates.
 */
function flag(env: Env, name: string, fallback: boolean): boolean {
	const value = raw(env, name);
	if (value === undefined) return fallback;
	const lower = value.toLowerCase();
	if (lower === 'true' || lower === '1') return true;
	if (lower === 'false' || lower === '0') return false;
	return fallback;
}

const validPort = (port: number) => Number.isInteger(port) && port > 0 && port <= 65535;

/** `host:port,host:port` as n8n reads QUEUE_BULL_REDIS_CLUSTER_NODES; undefined if malformed. */
function clusterNodes(list: string): Array<{ host: string; port: number }> | undefined {
	const nodes = list
		.split(',')
		.map((pair) => pair.trim())
		.filter((pair) => pair.length > 0)
		.map((pair) => {
			const [host, port] = pair.split(':');
			return { host, port: parseInt(port, 10) };
		});
	return nodes.every((node) => node.host !== '' && validPort(node.port)) ? nodes : undefined;
}

/** Reads n8n's queue-mode Redis settings (the env variables n8n itself reads, as n8n reads them). */
export function sharedWindowSettings(env: Env = process.env): SharedWindowSettings {
	try {
		// n8n accepts `regular` and `queue` only and keeps `regular` for anything else.
		if (text(env, 'EXECUTIONS_MODE', 'regular') !== 'queue')
			return { enabled: false, reason: NOT_QUEUE_MODE };
		const port = number(env, 'QUEUE_BULL_REDIS_PORT', 6379);
		const db = number(env, 'QUEUE_BULL_REDIS_DB', 0);
		if (!validPort(port) || !Number.isInteger(db) || db < 0) {
			return {
				enabled: false,
				reason: 'QUEUE_BULL_REDIS_PORT or QUEUE_BULL_REDIS_DB is not a valid number',
			};
		}
		const nodes = clusterNodes(text(env, 'QUEUE_BULL_REDIS_CLUSTER_NODES', ''));
		if (nodes === undefined) {
			return {
				enabled: false,
				reason: 'QUEUE_BULL_REDIS_CLUSTER_NODES is not a list of host:port',
			};
		}
		return {
			enabled: true,
			redis: {
				host: text(env, 'QUEUE_BULL_REDIS_HOST', 'localhost'),
				port,
				clusterNodes: nodes,
				db,
				username: text(env, 'QUEUE_BULL_REDIS_USERNAME', '') || undefined,
				password: text(env, 'QUEUE_BULL_REDIS_PASSWORD', '') || undefined,
				tls: flag(env, 'QUEUE_BULL_REDIS_TLS', false),
				tlsServername: text(env, 'QUEUE_BULL_REDIS_TLS_SERVERNAME', '') || undefined,
				rejectUnauthorized: flag(env, 'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE', true),
				dualStack: flag(env, 'QUEUE_BULL_REDIS_DUALSTACK', false),
				dnsLookup:
					text(env, 'QUEUE_BULL_REDIS_DNS_LOOKUP_STRATEGY', 'LOOKUP') === 'NONE'
						? 'none'
						: 'lookup',
				prefix: text(env, 'QUEUE_BULL_PREFIX', 'bull'),
				timeoutMs: DEFAULT_TIMEOUT_MS,
			},
		};
	} catch (error) {
		// A `_FILE` that cannot be read: say which kind of problem, not the path or its content.
		return {
			enabled: false,
			reason: `n8n's Redis settings could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
		};
	}
}

/** Where Redis is, for log lines: never with a username or password. */
export function describeRedis(redis: RedisSettings): string {
	const scheme = redis.tls ? 'rediss' : 'redis';
	if (redis.clusterNodes.length > 0)
		return `${scheme} cluster ${redis.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
	return `${scheme}://${redis.host}:${redis.port}/${redis.db}`;
}

const SETTING_NAMES = [
	'EXECUTIONS_MODE',
	'QUEUE_BULL_REDIS_CLUSTER_NODES',
	'QUEUE_BULL_REDIS_HOST',
	'QUEUE_BULL_REDIS_PORT',
	'QUEUE_BULL_REDIS_DB',
	'QUEUE_BULL_REDIS_USERNAME',
	'QUEUE_BULL_REDIS_PASSWORD',
	'QUEUE_BULL_REDIS_TLS',
	'QUEUE_BULL_REDIS_TLS_SERVERNAME',
	'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE',
	'QUEUE_BULL_REDIS_DUALSTACK',
	'QUEUE_BULL_REDIS_DNS_LOOKUP_STRATEGY',
	'QUEUE_BULL_PREFIX',
];
const settingsCache = new Map<string, SharedWindowSettings>();

/**
 * The settings for this environment (n8n's own, by default), read (files included) once rather than
 * per delivery. The package reads the environment here only, and only for queue mode.
 */
export function cachedSettings(env: Env = process.env): SharedWindowSettings {
	const id = JSON.stringify(
		SETTING_NAMES.flatMap((name) => [env[name] ?? null, env[`${name}_FILE`] ?? null]),
	);
	let settings = settingsCache.get(id);
	if (settings === undefined) {
		settings = sharedWindowSettings(env);
		if (settingsCache.size > 16) settingsCache.clear();
		settingsCache.set(id, settings);
	}
	return settings;
}
