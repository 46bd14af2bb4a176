'use strict';
/**
 * The one process supervisor of the tooling: every server and n8n process that the dev sandbox,
 * the e2e and queue suites and the benches start (n8n main/webhook/worker, PostgreSQL, Redis) runs
 * in its own process group, logs to a file, is recorded in a PID registry, and is stopped by
 * `stop()`, `stopAll()`, on process exit and on SIGINT/SIGTERM/SIGHUP. A run killed with SIGKILL
 * cannot clean up after itself; the next one reaps what it left: registry entries whose owner is
 * dead and whose process still carries its marker in its environment (so a reused PID is spared).
 */
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const { logger } = require('./log');

const HOST = '127.0.0.1';
const MARKER_ENV = 'N8N_TRANSAK_PROC';
const MAX_MEMORY_LOG = 4 * 1024 * 1024;
const log = logger('processes');

/** Env N8N_TRANSAK_PID_DIR (a suite run sets its own), else one folder in the temp dir. */
function registryDir() {
	const dir =
		process.env.N8N_TRANSAK_PID_DIR || path.join(os.tmpdir(), 'n8n-nodes-transak-processes');
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

function isAlive(pid) {
	if (!Number.isInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/** True when `pid` still runs a process this code started with `marker` (guards against PID reuse). */
function carriesMarker(pid, marker) {
	try {
		return fs
			.readFileSync(`/proc/${pid}/environ`, 'utf8')
			.split('\0')
			.includes(`${MARKER_ENV}=${marker}`);
	} catch {
		return false;
	}
}

/** Signals a whole process group (n8n and its task runners); false when it is already gone. */
function killGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false;
	}
}

/**
 * Kills registered process groups whose owner is dead, or every one with `all` (a suite runner
 * after its jest child exited). Returns how many it killed.
 */
function reap({ all = false } = {}) {
	const dir = registryDir();
	let reaped = 0;
	for (const name of fs.readdirSync(dir)) {
		const file = path.join(dir, name);
		let entry;
		try {
			entry = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch {
			fs.rmSync(file, { force: true });
			continue;
		}
		if (!all && isAlive(entry.owner) && entry.owner !== process.pid) continue;
		if (isAlive(entry.pid) && carriesMarker(entry.pid, entry.marker)) {
			killGroup(entry.pid, 'SIGKILL');
			reaped += 1;
			log(`reaped ${entry.name} (pid ${entry.pid}) left by run ${entry.owner}`);
		}
		fs.rmSync(file, { force: true });
	}
	return reaped;
}

const running = new Set();
const exitDirs = new Set();
let hooksInstalled = false;

function installExitHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.on('exit', () => {
		for (const child of running) child.killNow();
		for (const dir of exitDirs) fs.rmSync(dir, { recursive: true, force: true });
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(signal, () => {
			if (running.size) log(`${signal}: stopping ${running.size} process(es)`);
			for (const child of running) child.killNow();
			process.exit(130);
		});
	}
}

/**
 * Starts `command` in its own process group with stdout and stderr to `logFile`.
 * Options: name, command, args, env, cwd, uid, gid (drop privileges, e.g. for PostgreSQL),
 * logFile, stopSignal (default SIGTERM), stopTimeoutMs (then SIGKILL; default 15 s).
 */
function spawnManaged({
	name,
	command,
	args = [],
	env = process.env,
	cwd,
	uid,
	gid,
	logFile,
	stopSignal = 'SIGTERM',
	stopTimeoutMs = 15_000,
}) {
	installExitHooks();
	const marker = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
	const child = spawn(command, args, {
		cwd,
		env: { ...env, [MARKER_ENV]: marker },
		uid,
		gid,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const registryFile = path.join(registryDir(), String(child.pid ?? `failed-${marker}`));
	if (child.pid)
		fs.writeFileSync(
			registryFile,
			JSON.stringify({ name, pid: child.pid, owner: process.pid, marker }),
		);

	const stream = fs.createWriteStream(logFile, { flags: 'a' });
	const chunks = [];
	let kept = 0;
	const capture = (chunk) => {
		stream.write(chunk);
		if (kept < MAX_MEMORY_LOG) {
			chunks.push(chunk);
			kept += chunk.length;
		}
	};
	child.stdout.on('data', capture);
	child.stderr.on('data', capture);

	let exitInfo = null;
	const exited = new Promise((resolve) => {
		child.on('error', (error) => {
			exitInfo = { code: null, signal: null, error: error.message };
			resolve(exitInfo);
		});
		child.on('exit', (code, signal) => {
			exitInfo = { code, signal };
			resolve(exitInfo);
		});
	});
	exited.then(() => {
		running.delete(handle);
		fs.rmSync(registryFile, { force: true });
		stream.end();
	});

	const handle = {
		name,
		pid: child.pid,
		logFile,
		exited,
		get exitInfo() {
			return exitInfo;
		},
		/** What the process printed so far (the first few MiB; the file has everything). */
		logs() {
			return Buffer.concat(chunks).toString('utf8');
		},
		/** Everything in the log file (for long runs whose output outgrew the in-memory copy). */
		logFileText() {
			try {
				return fs.readFileSync(logFile, 'utf8');
			} catch {
				return '';
			}
		},
		killNow() {
			if (exitInfo === null && child.pid) killGroup(child.pid, 'SIGKILL');
			// The 'exit' event may never come (this process is exiting): drop the entry now.
			fs.rmSync(registryFile, { force: true });
		},
		/** Asks the process to stop, kills its group after the timeout, and waits for it. */
		async stop() {
			if (exitInfo === null && child.pid) {
				killGroup(child.pid, stopSignal);
				const timer = setTimeout(() => {
					log(`${name} (pid ${child.pid}) did not stop within ${stopTimeoutMs / 1000} s: SIGKILL`);
					killGroup(child.pid, 'SIGKILL');
				}, stopTimeoutMs);
				await exited;
				clearTimeout(timer);
			}
			// Helpers in its group (task runners, PostgreSQL backends) must not outlive it.
			if (child.pid) killGroup(child.pid, 'SIGKILL');
			running.delete(handle);
		},
	};
	running.add(handle);
	return handle;
}

/**
 * Removes `dir` when this process exits without having cleaned up (an interrupted run: Ctrl-C,
 * SIGTERM, an uncaught error). Returns a function that cancels this once the caller removed it.
 */
function removeOnExit(dir) {
	installExitHooks();
	exitDirs.add(dir);
	return () => exitDirs.delete(dir);
}

/** A fresh temp folder that is removed on exit unless `keep()` is called; `remove()` removes it now. */
function tempDir(prefix) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	const forget = removeOnExit(dir);
	return {
		dir,
		keep: forget,
		remove() {
			fs.rmSync(dir, { recursive: true, force: true });
			forget();
		},
	};
}

/** Every process this module started that has not exited yet. */
function runningProcesses() {
	return [...running];
}

/** Stops every process this module started whose name matches `filter`, in parallel. */
async function stopAll(filter = () => true) {
	await Promise.all([...running].filter((child) => filter(child.name)).map((c) => c.stop()));
}

/** A TCP port free on 127.0.0.1 right now, and not handed out before by this process. */
const handedOut = new Set();
async function freePort() {
	for (;;) {
		const port = await new Promise((resolve, reject) => {
			const server = net.createServer();
			server.unref();
			server.once('error', reject);
			server.listen(0, HOST, () => {
				const { port: p } = server.address();
				server.close(() => resolve(p));
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
}

/** PIDs of `pid` and all its descendants (from /proc), for finding sockets a process group holds. */
function descendants(pid) {
	const children = new Map();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
			// Field 4 (ppid) follows the command name in parentheses, which may contain spaces.
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (!children.has(ppid)) children.set(ppid, []);
			children.get(ppid).push(Number(entry));
		} catch {
			// The process ended while being read.
		}
	}
	const all = [];
	const queue = [pid];
	while (queue.length) {
		const current = queue.shift();
		all.push(current);
		queue.push(...(children.get(current) ?? []));
	}
	return all;
}

/** Socket inodes of established TCP connections to `remotePort`. */
function establishedTo(remotePort) {
	const inodes = new Set();
	for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
		let text = '';
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			continue;
		}
		for (const line of text.split('\n').slice(1)) {
			const parts = line.trim().split(/\s+/);
			if (parts.length < 10) continue;
			const remote = parts[2];
			const port = parseInt(remote.slice(remote.indexOf(':') + 1), 16);
			if (port === remotePort && parts[3] === '01') inodes.add(parts[9]);
		}
	}
	return inodes;
}

/**
 * Counts, per process tree, the established TCP connections to 127.0.0.1:`remotePort`.
 * `trees` maps a label to a root PID; the result maps the label to a count.
 */
function connectionsTo(remotePort, trees) {
	const inodes = establishedTo(remotePort);
	const result = {};
	for (const [label, root] of Object.entries(trees)) {
		let count = 0;
		for (const pid of descendants(root)) {
			let fds = [];
			try {
				fds = fs.readdirSync(`/proc/${pid}/fd`);
			} catch {
				continue;
			}
			for (const fd of fds) {
				let target = '';
				try {
					target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
				} catch {
					continue;
				}
				const match = /^socket:\[(\d+)\]$/.exec(target);
				if (match && inodes.has(match[1])) count += 1;
			}
		}
		result[label] = count;
	}
	return result;
}

module.exports = {
	HOST,
	spawnManaged,
	stopAll,
	runningProcesses,
	reap,
	removeOnExit,
	tempDir,
	freePort,
	connectionsTo,
	isAlive,
};
