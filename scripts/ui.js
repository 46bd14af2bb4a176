'use strict';
/**
 * `npm run test:ui`: the browser suite. Starts the sandbox (tools/sandbox.js: a real n8n with the
 * packed package, the simulated Transak, the examples) once per n8n version, drives the editor in
 * headless Chromium through playwright-core, runs the steps of test/ui/editor.ui.js and saves a
 * screenshot of each into test-results/ui/<version>/ (kept by CI as an artefact). Then checks
 * that neither the browser console nor n8n's log carries an error from the package.
 *
 * Chromium: Debian's (/usr/bin/chromium), installed with apt-get when missing and running as root
 * (as CI does); env CHROMIUM_PATH picks another binary. No browser is downloaded.
 * Env: N8N_UI_VERSIONS=2.41.1[,1.123.81] (default 2.41.1); N8N_UI_REPORT=<file> writes the
 * counts for scripts/ci-summary.js. Extra arguments filter the steps by name;
 * `--readme-images` also writes the README's pictures (docs/images/) from this run's screenshots.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const { banner, logger, since } = require('../tools/log');
const { ensureN8n, SUPPORTED_VERSIONS } = require('../tools/n8n/install');
const { freePort, reap, tempDir } = require('../tools/processes');
const { startSandbox } = require('../tools/sandbox');
const { report } = require('../tools/suite');
const { steps } = require('../test/ui/editor.ui');

const log = logger('ui');
const ROOT = path.resolve(__dirname, '..');
const SHOTS = path.join(ROOT, 'test-results', 'ui');
const README_IMAGES = path.join(ROOT, 'docs', 'images');
const PACKAGE_TEXT = /transak/i;

function chromiumPath() {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
	const found = () => candidates.find((file) => file && fs.existsSync(file));
	if (found()) return found();
	if (process.getuid?.() !== 0)
		throw new Error('Chromium not found: run `apt-get install -y chromium` or set CHROMIUM_PATH');
	log('installing Debian chromium (apt-get, about 1.5 min)');
	for (const args of [
		['update', '-q'],
		['install', '-y', '-q', '--no-install-recommends', 'chromium'],
	]) {
		const result = spawnSync('apt-get', args, {
			encoding: 'utf8',
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		});
		if (result.status !== 0)
			throw new Error(`apt-get ${args.join(' ')} failed:\n${(result.stderr || '').slice(-3000)}`);
	}
	if (!found()) throw new Error('apt-get installed chromium, but no binary was found');
	return found();
}

/** Lines of n8n's log at error level that name the package. */
function packageErrorsInLog(logText) {
	return logText
		.split('\n')
		.filter((line) => /\berror\b/i.test(line) && PACKAGE_TEXT.test(line))
		.map((line) => line.slice(0, 400));
}

async function runVersion(version, executablePath, { filter, readmeImages }) {
	const { chromium } = require('playwright-core');
	const shots = path.join(SHOTS, version);
	fs.rmSync(shots, { recursive: true, force: true });
	fs.mkdirSync(shots, { recursive: true });
	const started = Date.now();
	const sandbox = await startSandbox({
		version,
		port: await freePort(),
		say: (line) => log(line),
	});
	log(`sandbox on n8n ${version} ready in ${since(started)}`);
	const results = [];
	const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
	try {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		// The editor reaches for outside hosts (npm pages, telemetry): stay offline and quick.
		await context.route(
			(url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
			(route) => route.abort(),
		);
		const page = await context.newPage();
		const consoleErrors = [];
		page.on('console', (message) => {
			if (message.type() === 'error' && PACKAGE_TEXT.test(message.text()))
				consoleErrors.push(message.text().slice(0, 400));
		});
		page.on('pageerror', (error) => {
			if (PACKAGE_TEXT.test(`${error.message}\n${error.stack}`))
				consoleErrors.push(error.message.slice(0, 400));
		});
		page.on('response', (response) => {
			// The editor asks for output schemas that only n8n's own nodes ship: a 404 there is
			// the editor's, not the package's.
			const url = response.url();
			if (response.status() >= 400 && /n8n-nodes-transak/.test(url) && !url.includes('/schemas/'))
				consoleErrors.push(`${response.status()} ${url}`);
		});
		let shotNumber = 0;
		for (const step of steps) {
			if (filter.length && step.name !== 'sign in' && !filter.some((f) => step.name.includes(f)))
				continue;
			const failures = [];
			const notes = [];
			const t = {
				page,
				sandbox,
				baseUrl: sandbox.n8n.baseUrl,
				/** A screenshot; `readme` names the README picture it also is (docs/images/<readme>.png). */
				async shot(name, { readme } = {}) {
					shotNumber += 1;
					const file = path.join(shots, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
					await page.screenshot({ path: file });
					if (readme && readmeImages)
						fs.copyFileSync(file, path.join(README_IMAGES, `${readme}.png`));
				},
				expect(condition, message) {
					if (!condition) failures.push(message);
				},
				note: (line) => notes.push(line),
			};
			const t0 = Date.now();
			try {
				await step.run(t);
			} catch (error) {
				failures.push(error.message.split('\n').slice(0, 6).join('\n'));
				await t.shot(`FAILED-${step.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => {});
			}
			results.push({ name: step.name, failures, notes, seconds: (Date.now() - t0) / 1000 });
			const mark = failures.length ? 'FAIL' : 'ok  ';
			process.stdout.write(`  ${mark} ${step.name} (${since(t0)})\n`);
			for (const line of notes) process.stdout.write(`       ${line}\n`);
			for (const failure of failures) process.stdout.write(`       ${failure}\n`);
		}
		const fromPackage = [...consoleErrors, ...packageErrorsInLog(sandbox.n8n.logs())];
		results.push({
			name: "no error from the package in the browser console or n8n's log",
			failures: fromPackage,
			notes: [],
		});
		process.stdout.write(
			`  ${fromPackage.length ? 'FAIL' : 'ok  '} no error from the package in the browser console or n8n's log\n`,
		);
		for (const line of fromPackage) process.stdout.write(`       ${line}\n`);
	} finally {
		await browser.close();
		await sandbox.stop();
	}
	return results;
}

async function main() {
	const started = Date.now();
	const versions = (process.env.N8N_UI_VERSIONS || '2.41.1').split(',').map((v) => v.trim());
	const unknown = versions.filter((v) => !SUPPORTED_VERSIONS.includes(v));
	if (unknown.length) throw new Error(`N8N_UI_VERSIONS: unsupported ${unknown.join(', ')}`);
	const executablePath = chromiumPath();
	for (const version of versions) await ensureN8n(version);
	const run = tempDir('n8n-nodes-transak-ui-');
	process.env.N8N_TRANSAK_PID_DIR = path.join(run.dir, 'pids');
	const totals = { passed: 0, failed: 0 };
	try {
		for (const version of versions) {
			banner(`n8n ${version}: browser suite (${executablePath})`);
			const args = process.argv.slice(2);
			const results = await runVersion(version, executablePath, {
				filter: args.filter((arg) => !arg.startsWith('--')),
				// One set of pictures: from the first version run.
				readmeImages: args.includes('--readme-images') && version === versions[0],
			});
			for (const result of results) totals[result.failures.length ? 'failed' : 'passed'] += 1;
			reap({ all: true });
		}
	} finally {
		reap({ all: true });
		run.remove();
	}
	process.stdout.write(`screenshots: ${path.relative(ROOT, SHOTS)}/; total ${since(started)}\n`);
	report('ui', process.env.N8N_UI_REPORT, totals.passed, totals.failed);
	if (totals.failed) process.exit(1);
}

main().catch((error) => {
	log(error.stack || String(error));
	process.exit(1);
});
