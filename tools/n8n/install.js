'use strict';
/**
 * Installs a real n8n (2.41.1 or 1.123.81) with a Node 24 binary into a cache outside the repo,
 * once per machine, for the e2e suite and benches.
 *
 * Cache: ${N8N_TRANSAK_CACHE:-$HOME/.cache/n8n-nodes-transak}/n8n-<version>. An install counts
 * only once its marker file exists (written last, after a smoke check); a folder without marker
 * is a half-finished install and is wiped and redone. A lock folder (created atomically with
 * mkdir, holding the owner's PID) keeps two concurrent callers from installing twice; a lock
 * whose owner is dead is taken over.
 *
 * Plain `npm install n8n` fails here (native builds that download from outside the registry, an
 * `xlsx` tarball hosted off-registry for 1.x), so every version installs with lifecycle scripts
 * off and then rebuilds only the native modules it needs, with Node 24 first on PATH.
 *
 * A first install runs for minutes with npm printing nothing: every step reports its elapsed time
 * (and how many packages are in place) every 10 s.
 *
 * CLI: `node tools/n8n/install.js 2.41.1 [1.123.81]`
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const { logger } = require('../log');
const { isAlive } = require('../processes');

const RECIPES = {
	'2.41.1': {
		dependencies: { n8n: '2.41.1', node: '24' },
		rebuild: ['sqlite3', 'isolated-vm', 'msgpackr-extract'],
	},
	'1.123.81': {
		dependencies: { n8n: '1.123.81', node: '24' },
		// n8n-nodes-base@1.x pins xlsx to a tarball outside the npm registry; this is a
		// registry mirror of the same SheetJS build. Overrides only work from package.json.
		overrides: { xlsx: 'npm:@e965/xlsx@0.20.2' },
		// isolated-vm and msgpackr-extract ship prebuilt binaries for Node 24 in this line.
		rebuild: ['sqlite3'],
	},
};

const SUPPORTED_VERSIONS = Object.keys(RECIPES);
const MARKER = '.install-complete.json';
const LOCK_POLL_MS = 2000;

function cacheRoot() {
	return process.env.N8N_TRANSAK_CACHE || path.join(os.homedir(), '.cache', 'n8n-nodes-transak');
}

const log = logger('n8n-install');
/** A long step says how long it has been running at least this often. */
const PROGRESS_EVERY_MS = Number(process.env.N8N_TRANSAK_PROGRESS_MS || 10_000);

/** Paths inside an install folder; the binaries exist only once the install is complete. */
function layout(version) {
	const dir = path.join(cacheRoot(), `n8n-${version}`);
	return {
		dir,
		marker: path.join(dir, MARKER),
		lock: `${dir}.lock`,
		// The `node` package's install script fetches the platform package and links it here.
		nodeBin: path.join(
			dir,
			'node_modules',
			'node',
			'node_modules',
			`node-${process.platform}-${process.arch}`,
			'bin',
			'node',
		),
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

/** Top-level packages in `dir`/node_modules so far (scoped ones counted one by one). */
function packagesIn(dir) {
	const modules = path.join(dir, 'node_modules');
	let count = 0;
	try {
		for (const entry of fs.readdirSync(modules)) {
			if (entry.startsWith('.')) continue;
			count += entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).length : 1;
		}
	} catch {
		// Not created yet.
	}
	return count;
}

function run(command, args, { cwd, env, label }) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
		log(`${label}: ${command} ${args.join(' ')}`);
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const progress = setInterval(() => {
			const packages = packagesIn(cwd);
			log(
				`${label}: still running, ${elapsed()} so far${packages ? ` (${packages} packages)` : ''}`,
			);
		}, PROGRESS_EVERY_MS);
		let tail = '';
		const keep = (chunk) => {
			tail = (tail + chunk.toString()).slice(-8000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.on('error', (error) => {
			clearInterval(progress);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearInterval(progress);
			if (code === 0) {
				log(`${label}: done in ${elapsed()}`);
				resolve();
			} else {
				reject(
					new Error(`${label} failed (${signal ?? `exit ${code}`}) after ${elapsed()}:\n${tail}`),
				);
			}
		});
	});
}

function isComplete(paths) {
	try {
		const info = JSON.parse(fs.readFileSync(paths.marker, 'utf8'));
		return info.complete === true && fs.existsSync(paths.nodeBin) && fs.existsSync(paths.n8nBin);
	} catch {
		return false;
	}
}

/** Takes the lock folder, or waits while a live process holds it. Returns a release function. */
async function acquireLock(lockDir, version) {
	fs.mkdirSync(path.dirname(lockDir), { recursive: true });
	const waiting = Date.now();
	let announced = 0;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			const release = () => fs.rmSync(lockDir, { recursive: true, force: true });
			return release;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
		}
		let owner = NaN;
		try {
			owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
		} catch {
			// The owner may be between mkdir and writing its PID: give it a moment.
		}
		if (Number.isNaN(owner)) {
			const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
			if (age > 30000) fs.rmSync(lockDir, { recursive: true, force: true });
		} else if (!isAlive(owner)) {
			log(`n8n ${version}: stale lock of dead process ${owner}, taking it over`);
			fs.rmSync(lockDir, { recursive: true, force: true });
			continue;
		} else if (Date.now() - announced >= PROGRESS_EVERY_MS) {
			log(
				`n8n ${version}: process ${owner} is installing it, waiting (${((Date.now() - waiting) / 1000).toFixed(0)} s so far)`,
			);
			announced = Date.now();
		}
		await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
	}
}

/** An environment for npm with the given Node first on PATH and the project's npmrc out of play. */
function npmEnv(nodeBinDir) {
	const env = { ...process.env };
	for (const key of Object.keys(env)) {
		// Settings inherited from an enclosing `npm run` (e.g. ignore-scripts from the project's
		// .npmrc) must not leak into the cache install.
		if (key.toLowerCase().startsWith('npm_config_') || key.toLowerCase().startsWith('npm_package_'))
			delete env[key];
	}
	if (nodeBinDir) env.PATH = `${nodeBinDir}${path.delimiter}${env.PATH}`;
	// node-gyp must build against the headers of the Node that will load the module.
	if (nodeBinDir) env.npm_config_nodedir = path.dirname(nodeBinDir);
	env.npm_config_update_notifier = 'false';
	return env;
}

async function install(version, paths) {
	const recipe = RECIPES[version];
	const started = Date.now();
	fs.rmSync(paths.dir, { recursive: true, force: true });
	fs.mkdirSync(paths.dir, { recursive: true });
	const manifest = {
		name: `n8n-${version.replace(/\./g, '-')}-runtime`,
		private: true,
		description: 'Real n8n for the n8n-nodes-transak e2e suite (a cache, safe to delete).',
		dependencies: recipe.dependencies,
		...(recipe.overrides ? { overrides: recipe.overrides } : {}),
	};
	fs.writeFileSync(path.join(paths.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
	log(`n8n ${version}: first install into ${paths.dir}, once per machine (several minutes)`);

	const common = ['--no-audit', '--no-fund', '--loglevel=error'];
	await run('npm', ['install', '--ignore-scripts', ...common], {
		cwd: paths.dir,
		env: npmEnv(),
		label: `n8n ${version}: npm install`,
	});
	// The `node` package's install script fetches the Node 24 binary package from the registry.
	await run('npm', ['rebuild', 'node', '--ignore-scripts=false', ...common], {
		cwd: paths.dir,
		env: npmEnv(),
		label: `n8n ${version}: fetch Node 24`,
	});
	if (!fs.existsSync(paths.nodeBin))
		throw new Error(`n8n ${version}: Node 24 binary missing at ${paths.nodeBin}`);
	const nodeBinDir = path.dirname(paths.nodeBin);
	await run('npm', ['rebuild', ...recipe.rebuild, '--ignore-scripts=false', ...common], {
		cwd: paths.dir,
		env: npmEnv(nodeBinDir),
		label: `n8n ${version}: rebuild ${recipe.rebuild.join(', ')} for Node 24`,
	});
	// Smoke check: the native modules load in Node 24 and the CLI answers.
	await run(
		paths.nodeBin,
		['-e', "require('sqlite3'); require('isolated-vm'); require('msgpackr-extract')"],
		{
			cwd: path.join(paths.dir, 'node_modules', 'n8n'),
			env: npmEnv(nodeBinDir),
			label: `n8n ${version}: load native modules`,
		},
	);
	await run(paths.nodeBin, [paths.n8nBin, '--version'], {
		cwd: paths.dir,
		env: { ...npmEnv(nodeBinDir), N8N_USER_FOLDER: path.join(paths.dir, '.smoke') },
		label: `n8n ${version}: n8n --version`,
	});
	fs.rmSync(path.join(paths.dir, '.smoke'), { recursive: true, force: true });
	const seconds = Math.round((Date.now() - started) / 1000);
	fs.writeFileSync(
		paths.marker,
		`${JSON.stringify({ complete: true, version, seconds, at: new Date().toISOString() })}\n`,
	);
	log(`n8n ${version}: installed in ${seconds} s`);
}

/**
 * Makes sure n8n `version` is installed in the cache; returns `{ dir, nodeBin, n8nBin }`.
 * Idempotent and safe to call from concurrent processes.
 */
async function ensureN8n(version) {
	if (!RECIPES[version])
		throw new Error(
			`n8n ${version} has no install recipe (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
		);
	const paths = layout(version);
	if (isComplete(paths)) {
		log(`n8n ${version}: cached at ${paths.dir}`);
		return { dir: paths.dir, nodeBin: paths.nodeBin, n8nBin: paths.n8nBin };
	}
	const release = await acquireLock(paths.lock, version);
	try {
		// Another process may have finished while this one waited for the lock.
		if (!isComplete(paths)) await install(version, paths);
		else log(`n8n ${version}: installed by another process`);
	} finally {
		release();
	}
	return { dir: paths.dir, nodeBin: paths.nodeBin, n8nBin: paths.n8nBin };
}

module.exports = { ensureN8n, SUPPORTED_VERSIONS, cacheRoot };

if (require.main === module) {
	const versions = process.argv.slice(2);
	(async () => {
		for (const version of versions.length ? versions : SUPPORTED_VERSIONS) {
			const result = await ensureN8n(version);
			process.stdout.write(`${JSON.stringify(result)}\n`);
		}
	})().catch((error) => {
		log(error.stack || String(error));
		process.exit(1);
	});
}
