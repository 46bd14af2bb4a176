/**
 * Queue-mode tests against a real n8n installation (main, webhook processors, worker, PostgreSQL,
 * Redis). Run through `npm run test:queue` (scripts/queue.js), which starts the installation and
 * hands the test files its connection in env N8N_QUEUE_CONNECTION, and stops it afterwards.
 */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/queue'],
	testMatch: ['**/*.queue.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	maxWorkers: 1,
	testTimeout: 240000,
	slowTestThreshold: 60,
	// A server a failed test left open must not hold the run (and CI) until its time limit.
	forceExit: true,
	verbose: true,
};
