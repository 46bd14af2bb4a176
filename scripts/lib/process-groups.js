'use strict';
/** Process-group helpers shared by the single-process and queue-mode n8n launchers. */
const fs = require('fs');

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/** True when `pid` still runs a process started with `name=value` in its environment (guards against PID reuse). */
function hasEnvMarker(pid, name, value) {
	try {
		return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${name}=${value}`);
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

module.exports = { isAlive, hasEnvMarker, killGroup };
