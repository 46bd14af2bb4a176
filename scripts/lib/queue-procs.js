'use strict';
/**
 * Child processes of the queue-mode suite and bench (PostgreSQL, Redis, n8n main/webhook/worker):
 * each in its own process group, logged to a file, recorded in a PID registry, and stopped by
 * `stopAll()`, on process exit and on SIGINT/SIGTERM/SIGHUP. A run killed with SIGKILL cannot
 * clean up after itself; the next run reaps what it left (registry entries whose owner is dead
 * and whose process still carries the run's marker in its environment).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { hasEnvMarker, isAlive, killGroup } = require('./process-groups');

const REGISTRY = path.join(os.tmpdir(), 'n8n-nodes-transak-queue-pids');
const MARKER_ENV = 'N8N_TRANSAK_QUEUE_PROC';
const MAX_MEMORY_LOG = 4 * 1024 * 1024;

function log(message) {
	process.stderr.write(`[queue ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when `pid` still runs a process this code started with `marker` (guards against PID reuse). */
function carriesMarker(pid, marker) {
	return hasEnvMarker(pid, MARKER_ENV, marker);
}

/** Kills process groups left by runs whose owner died. Returns how many it killed. */
function reapOrphans() {
	fs.mkdirSync(REGISTRY, { recursive: true });
	let reaped = 0;
	for (const name of fs.readdirSync(REGISTRY)) {
		const file = path.join(REGISTRY, name);
		let entry;
		try {
			entry = JSON.parse(fs.readFileSync(file, 'utf8'));
		} catch {
			fs.rmSync(file, { force: true });
			continue;
		}
		if (isAlive(entry.owner) && entry.owner !== process.pid) continue;
		if (isAlive(entry.pid) && carriesMarker(entry.pid, entry.marker)) {
			killGroup(entry.pid, 'SIGKILL');
			reaped += 1;
			log(`reaped ${entry.name} (pid ${entry.pid}) left by dead run ${entry.owner}`);
		}
		fs.rmSync(file, { force: true });
	}
	return reaped;
}

const running = new Set();
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
			log(`${signal}: stopping ${running.size} process(es)`);
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
	const registryFile = path.join(REGISTRY, String(child.pid ?? `failed-${marker}`));
	fs.mkdirSync(REGISTRY, { recursive: true });
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

const exitDirs = new Set();

/**
 * Removes `dir` when this process exits without having cleaned up (an interrupted run: Ctrl-C,
 * SIGTERM, an uncaught error). Returns a function that cancels this once the caller removed it.
 */
function removeOnExit(dir) {
	installExitHooks();
	exitDirs.add(dir);
	return () => exitDirs.delete(dir);
}

/** Every process this module started that has not exited yet. */
function runningProcesses() {
	return [...running];
}

/** Stops every process this module started, in parallel. */
async function stopAll() {
	await Promise.all([...running].map((child) => child.stop()));
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

/**
 * Counts, per process tree, the established TCP connections to 127.0.0.1:`remotePort`.
 * `trees` maps a label to a root PID; the result maps the label to a count.
 */
function connectionsTo(remotePort, trees) {
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
			const state = parts[3];
			const port = parseInt(remote.slice(remote.indexOf(':') + 1), 16);
			if (port === remotePort && state === '01') inodes.add(parts[9]);
		}
	}
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
	spawnManaged,
	stopAll,
	runningProcesses,
	reapOrphans,
	removeOnExit,
	connectionsTo,
	descendants,
	log,
	sleep,
	isAlive,
};
