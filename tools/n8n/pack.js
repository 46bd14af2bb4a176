'use strict';
/**
 * Builds the package and packs it exactly as `npm publish` would, into a fresh temp folder.
 * The project's .npmrc sets ignore-scripts=true, so `prepack` does not run: build explicitly.
 *
 * CLI: `node tools/n8n/pack.js` prints the tarball path.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const { logger } = require('../log');

const ROOT = path.resolve(__dirname, '..', '..');
const log = logger('pack');

function npm(args, options = {}) {
	const result = spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', ...options });
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(
			`npm ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result.stdout;
}

/** Runs `npm run build` and `npm pack`; returns the absolute path of the tarball. */
function pack({ destination } = {}) {
	const started = Date.now();
	log('npm run build');
	npm(['run', 'build']);
	const dest = destination ?? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-transak-pack-'));
	fs.mkdirSync(dest, { recursive: true });
	const out = npm(['pack', '--json', '--pack-destination', dest]);
	const [info] = JSON.parse(out.slice(out.indexOf('[')));
	const tarball = path.join(dest, info.filename);
	if (!fs.existsSync(tarball))
		throw new Error(`npm pack reported ${info.filename} but ${tarball} does not exist`);
	const missing = requiredEntries().filter(
		(entry) => !info.files.some((file) => file.path === entry),
	);
	// n8n refuses to load a package whose listed files are missing; the e2e tests then fail on
	// the missing node types, so say here which files are absent.
	if (missing.length)
		log(
			`WARNING: the tarball lacks files that package.json's n8n field lists: ${missing.join(', ')}`,
		);
	log(
		`${tarball}: ${info.files.length} files, ${Math.round(info.size / 1024)} KiB, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
	return tarball;
}

/** Every node and credential file that package.json's `n8n` field promises. */
function requiredEntries() {
	const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	return [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])];
}

module.exports = { pack, ROOT };

if (require.main === module) {
	try {
		process.stdout.write(`${pack()}\n`);
	} catch (error) {
		log(error.message);
		process.exit(1);
	}
}
