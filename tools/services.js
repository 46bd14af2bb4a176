'use strict';
/**
 * PostgreSQL and Redis for the queue-mode suite and bench, and Redis for the shared
 * de-duplication window's own tests: installed from Debian packages when
 * missing (apt-get, as root, as CI runs), started on 127.0.0.1 with free ports and throwaway data
 * folders, stopped by the caller (or by the exit hooks of processes.js).
 *
 * PostgreSQL refuses to run as root: as root its binaries run as the `postgres` system user
 * (created by the Debian package); as any other user they run as that user.
 * The data folder is throwaway, so durability is traded for speed: fsync, synchronous_commit and
 * full_page_writes are off (the bench reports this).
 */
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const { logger, sleep } = require('./log');
const { HOST, freePort, removeOnExit, spawnManaged } = require('./processes');

const log = logger('services');
const POLICY_RC = '/usr/sbin/policy-rc.d';

function which(command) {
	for (const dir of (process.env.PATH || '').split(path.delimiter)) {
		const candidate = path.join(dir, command);
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			return candidate;
		} catch {
			// Not here.
		}
	}
	return undefined;
}

/** The folder with initdb and postgres: env PG_BIN, Debian's newest /usr/lib/postgresql/<v>/bin, or PATH. */
function postgresBinDir() {
	const candidates = [];
	if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
	try {
		const versions = fs
			.readdirSync('/usr/lib/postgresql')
			.filter((v) => /^\d+$/.test(v))
			.sort((a, b) => Number(b) - Number(a));
		candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
	} catch {
		// Not Debian's layout.
	}
	const onPath = which('initdb');
	if (onPath) candidates.push(path.dirname(fs.realpathSync(onPath)));
	return candidates.find(
		(dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres')),
	);
}

function redisServerBin() {
	return (
		process.env.REDIS_SERVER_BIN ||
		which('redis-server') ||
		(fs.existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined)
	);
}

function run(command, args, options = {}) {
	const result = spawnSync(command, args, {
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
		...options,
	});
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout || '').slice(-4000)}\n${(result.stderr || '').slice(-4000)}`,
		);
	}
	return result.stdout;
}

/**
 * Installs what is missing of PostgreSQL (`postgresql`) and Redis (`redis-server`) with apt-get.
 * Package scripts must not start system-wide services (they would keep running after the suite):
 * while installing, a policy-rc.d that forbids service starts is put in place if there is none.
 * Returns `{ installed: [...packages], seconds }`.
 */
function ensureServicePackages() {
	const missing = [];
	if (!postgresBinDir()) missing.push('postgresql');
	if (!redisServerBin()) missing.push('redis-server');
	if (missing.length === 0) return { installed: [], seconds: 0 };
	if (typeof process.getuid === 'function' && process.getuid() !== 0) {
		throw new Error(
			`PostgreSQL/Redis missing (${missing.join(', ')}): install them (sudo apt-get install ${missing.join(' ')}) or run as root`,
		);
	}
	if (!which('apt-get'))
		throw new Error(
			`PostgreSQL/Redis missing (${missing.join(', ')}) and there is no apt-get to install them`,
		);
	const started = Date.now();
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const addedPolicy = !fs.existsSync(POLICY_RC);
	if (addedPolicy)
		fs.writeFileSync(
			POLICY_RC,
			'#!/bin/sh\n# n8n-nodes-transak test:queue: no service starts while installing\nexit 101\n',
			{ mode: 0o755 },
		);
	try {
		const install = () =>
			run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
		log(`apt-get install ${missing.join(' ')}`);
		try {
			install();
		} catch (error) {
			// A fresh machine may have no package lists yet.
			log(`apt-get install failed (${error.message.split('\n')[0]}); apt-get update and retry`);
			run('apt-get', ['update', '-q'], { env });
			install();
		}
	} finally {
		if (addedPolicy) fs.rmSync(POLICY_RC, { force: true });
	}
	const seconds = (Date.now() - started) / 1000;
	if (!postgresBinDir() || !redisServerBin())
		throw new Error('apt-get finished but PostgreSQL or Redis binaries are still missing');
	log(`installed ${missing.join(', ')} in ${seconds.toFixed(1)} s`);
	return { installed: missing, seconds };
}

function waitForTcp(port, timeoutMs, child, what) {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			if (child.exitInfo !== null) {
				reject(
					new Error(
						`${what} exited before it listened (${JSON.stringify(child.exitInfo)}):\n${child.logs().slice(-3000)}`,
					),
				);
				return;
			}
			const socket = net.connect({ host: HOST, port });
			socket.once('connect', () => {
				socket.destroy();
				resolve();
			});
			socket.once('error', () => {
				socket.destroy();
				if (Date.now() > deadline)
					reject(
						new Error(
							`${what} not listening on ${port} after ${timeoutMs} ms:\n${child.logs().slice(-3000)}`,
						),
					);
				else setTimeout(attempt, 100);
			});
		};
		attempt();
	});
}

/** The uid/gid PostgreSQL must run as: the `postgres` user when we are root, else ourselves. */
function postgresIdentity() {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
	const passwd = fs
		.readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((line) => line.startsWith('postgres:'));
	if (!passwd)
		throw new Error(
			'running as root but there is no `postgres` user to run PostgreSQL as (install the Debian postgresql package)',
		);
	const [, , uid, gid] = passwd.split(':');
	return { uid: Number(uid), gid: Number(gid) };
}

/**
 * initdb + postgres on 127.0.0.1:<free port> with a throwaway data folder; creates `databases`.
 * Returns `{ host, port, user, password, databases, connection(db), stop() }`.
 */
async function startPostgres({ databases = ['n8n'], logDir } = {}) {
	const bin = postgresBinDir();
	if (!bin) throw new Error('PostgreSQL binaries not found (call ensureServicePackages first)');
	const identity = postgresIdentity();
	// Directly in the temp folder: the postgres user must be able to reach it.
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-transak-pg-'));
	const forget = removeOnExit(dir);
	if (identity.uid !== undefined) fs.chownSync(dir, identity.uid, identity.gid);
	const dataDir = path.join(dir, 'data');
	const user = 'n8n';
	const password = crypto.randomBytes(18).toString('base64url');
	const pwfile = path.join(dir, 'pwfile');
	fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
	if (identity.uid !== undefined) fs.chownSync(pwfile, identity.uid, identity.gid);
	const started = Date.now();
	run(
		path.join(bin, 'initdb'),
		[
			'-D',
			dataDir,
			'-U',
			user,
			`--pwfile=${pwfile}`,
			'--auth-host=scram-sha-256',
			'--auth-local=peer',
			'-E',
			'UTF8',
			'--no-instructions',
		],
		{
			...identity,
			cwd: dir,
			env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
		},
	);
	fs.rmSync(pwfile, { force: true });
	const port = await freePort();
	const child = spawnManaged({
		name: 'postgres',
		command: path.join(bin, 'postgres'),
		args: [
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			`listen_addresses=${HOST}`,
			'-c',
			'unix_socket_directories=',
			'-c',
			'max_connections=200',
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'shared_buffers=128MB',
		],
		...identity,
		cwd: dir,
		env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
		// Written by this process (a pipe), so it may live where the caller keeps logs.
		logFile: path.join(logDir ?? dir, 'postgres.log'),
		// SIGINT = fast shutdown: aborts open transactions, no waiting for clients to leave.
		stopSignal: 'SIGINT',
		stopTimeoutMs: 20_000,
	});
	await waitForTcp(port, 60_000, child, 'PostgreSQL');
	const psql = path.join(bin, 'psql');
	const pgEnv = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
	for (let attempt = 0; ; attempt += 1) {
		try {
			run(
				psql,
				['-h', HOST, '-p', String(port), '-U', user, '-d', 'postgres', '-Atqc', 'select 1'],
				{ env: pgEnv },
			);
			break;
		} catch (error) {
			// Listening precedes accepting connections by a moment (recovery/startup).
			if (attempt > 50) throw error;
			await sleep(200);
		}
	}
	for (const db of databases) {
		run(
			psql,
			[
				'-h',
				HOST,
				'-p',
				String(port),
				'-U',
				user,
				'-d',
				'postgres',
				'-Atqc',
				`create database "${db}"`,
			],
			{ env: pgEnv },
		);
	}
	log(
		`PostgreSQL ready on ${HOST}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (data ${dataDir})`,
	);
	return {
		host: HOST,
		port,
		user,
		password,
		databases,
		process: child,
		/** n8n's environment for database `db`. */
		n8nEnv(db) {
			return {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: HOST,
				DB_POSTGRESDB_PORT: String(port),
				DB_POSTGRESDB_DATABASE: db,
				DB_POSTGRESDB_USER: user,
				DB_POSTGRESDB_PASSWORD: password,
			};
		},
		/** Runs one SQL statement; returns psql's unaligned output. */
		query(db, sql) {
			return run(psql, ['-h', HOST, '-p', String(port), '-U', user, '-d', db, '-Atqc', sql], {
				env: pgEnv,
			});
		},
		async stop() {
			await child.stop();
			fs.rmSync(dir, { recursive: true, force: true });
			forget();
		},
	};
}

/**
 * redis-server on 127.0.0.1:<free port> with no persistence and a throwaway folder. Options:
 * password (default: a random one; null for none), tls ({key, cert} in PEM: the port then speaks
 * TLS only), config (more redis.conf lines, e.g. ACL users or `cluster-enabled yes`).
 * Returns `{ host, port, password, n8nEnv(), down(), up(), stop() }`; `down()` and `up()` stop
 * and start the same server on the same port (an outage).
 * @param {{ baseDir?: string, password?: string | null, tls?: { key: string, cert: string },
 *   config?: string[] }} [options]
 */
async function startRedis({
	baseDir,
	password = crypto.randomBytes(18).toString('base64url'),
	tls,
	config = [],
} = {}) {
	const bin = redisServerBin();
	if (!bin) throw new Error('redis-server not found (call ensureServicePackages first)');
	const dir = fs.mkdtempSync(path.join(baseDir ?? os.tmpdir(), 'redis-'));
	const port = await freePort();
	const started = Date.now();
	const listen = [`port ${port}`];
	if (tls) {
		fs.writeFileSync(path.join(dir, 'tls.key'), tls.key, { mode: 0o600 });
		fs.writeFileSync(path.join(dir, 'tls.crt'), tls.cert);
		listen.splice(0, 1, 'port 0', `tls-port ${port}`, 'tls-cert-file tls.crt');
		listen.push('tls-key-file tls.key', 'tls-auth-clients no');
	}
	// The password goes in a config file, not on the command line, where `ps` would show it.
	const file = path.join(dir, 'redis.conf');
	fs.writeFileSync(
		file,
		[
			`bind ${HOST}`,
			...listen,
			`dir ${dir}`,
			'save ""',
			'appendonly no',
			'protected-mode yes',
			'daemonize no',
			...(password ? [`requirepass ${password}`] : []),
			'loglevel notice',
			...config,
			'',
		].join('\n'),
		{ mode: 0o600 },
	);
	let child;
	const up = async () => {
		child = spawnManaged({
			name: 'redis',
			command: bin,
			args: [file],
			cwd: dir,
			logFile: path.join(dir, 'redis.log'),
			stopSignal: 'SIGTERM',
			stopTimeoutMs: 10_000,
		});
		await waitForTcp(port, 30_000, child, 'Redis');
	};
	await up();
	log(`Redis ready on ${HOST}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return {
		host: HOST,
		port,
		password,
		get process() {
			return child;
		},
		/** n8n's queue-mode environment for this Redis. */
		n8nEnv({ db = 0, prefix = 'bull' } = {}) {
			return {
				QUEUE_BULL_REDIS_HOST: HOST,
				QUEUE_BULL_REDIS_PORT: String(port),
				...(password ? { QUEUE_BULL_REDIS_PASSWORD: password } : {}),
				QUEUE_BULL_REDIS_DB: String(db),
				QUEUE_BULL_PREFIX: prefix,
			};
		},
		down: () => child.stop(),
		up,
		async stop() {
			await child.stop();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

module.exports = {
	ensureServicePackages,
	startPostgres,
	startRedis,
	postgresBinDir,
	redisServerBin,
};

if (require.main === module) {
	// `node tools/services.js` installs what is missing and prints the timing.
	const result = ensureServicePackages();
	process.stdout.write(`${JSON.stringify(result)}\n`);
}
