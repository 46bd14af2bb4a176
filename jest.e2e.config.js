/**
 * End-to-end tests against a real n8n that has the packed package installed as a community
 * package. Run through `npm run test:e2e` (scripts/e2e.js), which installs n8n, packs the
 * project once and runs this config once per n8n version (env N8N_E2E_VERSION).
 * One n8n per run, started by the global setup and shared by the test files, in band.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	globalSetup: '<rootDir>/test/e2e/setup/global-setup.js',
	globalTeardown: '<rootDir>/test/e2e/setup/global-teardown.js',
	maxWorkers: 1,
	testTimeout: 180000,
	slowTestThreshold: 60,
	// A server a failed test left open must not hold the run (and CI) until its time limit.
	forceExit: true,
};
