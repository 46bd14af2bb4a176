'use strict';
/**
 * Starts one real n8n for the whole e2e run (version from N8N_E2E_VERSION) with the packed
 * package installed in its user folder, and hands the test files its connection through
 * env N8N_TRANSAK_CONNECTION. The tarball comes from N8N_E2E_TARBALL (scripts/e2e.js packs once for
 * all versions) or is packed here when jest is run by hand.
 */
const { startN8n } = require('../../../tools/n8n/launch');
const { pack } = require('../../../tools/n8n/pack');

module.exports = async function globalSetup() {
	const version = process.env.N8N_E2E_VERSION || '2.41.1';
	const tarball = process.env.N8N_E2E_TARBALL || pack();
	// Test files that start an n8n of their own (with other settings) install the same tarball.
	process.env.N8N_E2E_TARBALL = tarball;
	const instance = await startN8n({ version, tarball });
	globalThis.__N8N_E2E_INSTANCE__ = instance;
	process.env.N8N_TRANSAK_CONNECTION = JSON.stringify(instance.connection());
	process.stderr.write(
		`\n[e2e] n8n ${version} at ${instance.baseUrl}: package installed in ${(instance.timings.installMs / 1000).toFixed(1)} s, ` +
			`n8n started in ${(instance.timings.startMs / 1000).toFixed(1)} s\n`,
	);
};
