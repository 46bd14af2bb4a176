'use strict';
/**
 * What the package's tarball must hold, derived from the sources: one compiled file per
 * TypeScript module under nodes/ and credentials/, their icons and codex files, package.json,
 * README, LICENSE and CHANGELOG. Nothing else: no sources, maps, tests, fixtures or tools.
 */
const fs = require('fs');
const path = require('path');

const DOCUMENTS = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];

/** Every file under `folder` of `root`, as a relative POSIX path. */
function filesUnder(root, folder) {
	const found = [];
	const walk = (relative) => {
		for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
			const child = path.posix.join(relative, entry.name);
			if (entry.isDirectory()) walk(child);
			else found.push(child);
		}
	};
	walk(folder);
	return found;
}

/** The tarball's expected file list (sorted) for the sources in `root`. */
function expectedFiles(root) {
	const files = new Set(DOCUMENTS);
	for (const file of [...filesUnder(root, 'nodes'), ...filesUnder(root, 'credentials')]) {
		if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts')) {
			files.add(path.posix.join('dist', file.replace(/\.ts$/, '.js')));
		} else if (/\.(svg|png)$/.test(file) || file.endsWith('.node.json')) {
			files.add(path.posix.join('dist', file));
		}
	}
	const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	for (const entry of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])]) {
		files.add(entry);
	}
	return [...files].sort();
}

/** What is wrong with a tarball's file list, as sentences (none: it is right). */
function tarballProblems(listed, expected) {
	const actual = new Set(listed);
	const wanted = new Set(expected);
	const problems = [];
	const missing = expected.filter((file) => !actual.has(file));
	const extra = listed.filter((file) => !wanted.has(file)).sort();
	if (missing.length) problems.push(`missing: ${missing.join(', ')}`);
	if (extra.length) problems.push(`not expected: ${extra.join(', ')}`);
	return problems;
}

/**
 * The JSON report of `npm pack --json` or `npm publish --json`: npm prints the build's output
 * (`prepack`) before it, so the report starts at the first line that is only `[` or `{`.
 */
function npmReport(text) {
	const lines = text.split('\n');
	const start = lines.findIndex((line) => line === '[' || line === '{');
	if (start < 0) throw new Error(`npm printed no JSON report:\n${text.slice(-2000)}`);
	return JSON.parse(lines.slice(start).join('\n'));
}

module.exports = { expectedFiles, npmReport, tarballProblems };
