/**
 * `npm run scan`: the lint step of n8n's community-package scanner (@n8n/scan-community-package,
 * the gate n8n runs before a package may be installed or verified) on this package's tarball,
 * offline: the tarball is packed as the e2e suites pack it, unpacked into a temp folder and
 * linted with the scanner's own rules. Its registry, provenance and source-checkout steps need
 * the published package and are not run here. Findings and their reasons: docs/COMPATIBILITY.md.
 * Exits 1 when the scanner would refuse the tarball.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { analyzePackage } from '@n8n/scan-community-package/scanner/scanner.mjs';

const require = createRequire(import.meta.url);
const { pack } = require('../tools/n8n/pack.js');

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-transak-scan-'));
try {
	const tarball = pack({ destination: folder });
	const unpacked = path.join(folder, 'package');
	fs.mkdirSync(unpacked);
	const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
	const result = await analyzePackage(unpacked);
	if (result.passed) console.log('[scan] the scanner passes the tarball');
	else {
		console.log(`[scan] the scanner refuses the tarball: ${result.message}`);
		if (result.details) console.log(result.details.split(unpacked).join('<package>'));
	}
	process.exitCode = result.passed ? 0 : 1;
} finally {
	fs.rmSync(folder, { recursive: true, force: true });
}
