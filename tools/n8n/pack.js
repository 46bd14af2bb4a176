'use strict';
/**
 * Packs the package exactly as `npm pack` and `npm publish` do (`prepack` builds first), into a
 * fresh temp folder.
 *
 * CLI: `node tools/n8n/pack.js` prints the tarball path (its folder is kept).
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const { logger } = require('../log');
const { tempDir } = require('../processes');
const { expectedFiles, npmReport, tarballProblems } = require('./tarball');

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

/**
 * Runs `npm pack` (which builds); returns the absolute path of the tarball. Without a
 * `destination` the tarball goes to a fresh temp folder that is removed when the process exits.
 */
function pack({ destination } = {}) {
	const started = Date.now();
	log('npm pack');
	const dest = destination ?? tempDir('n8n-nodes-transak-pack-').dir;
	fs.mkdirSync(dest, { recursive: true });
	const out = npm(['pack', '--json', '--pack-destination', dest]);
	const [info] = npmReport(out);
	const tarball = path.join(dest, info.filename);
	if (!fs.existsSync(tarball))
		throw new Error(`npm pack reported ${info.filename} but ${tarball} does not exist`);
	// n8n refuses to load a package whose listed files are missing, and a tarball must not carry
	// sources, maps or tests: the same rule as the published tarball's (scripts/pack-check.js).
	const problems = tarballProblems(
		info.files.map((file) => file.path),
		expectedFiles(ROOT),
	);
	if (problems.length)
		throw new Error(`the tarball is not what the sources promise: ${problems.join('; ')}`);
	log(
		`${tarball}: ${info.files.length} files, ${Math.round(info.size / 1024)} KiB, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);
	return tarball;
}

module.exports = { pack, ROOT };

if (require.main === module) {
	try {
		const kept = tempDir('n8n-nodes-transak-pack-');
		kept.keep();
		process.stdout.write(`${pack({ destination: kept.dir })}\n`);
	} catch (error) {
		log(error.message);
		process.exit(1);
	}
}
