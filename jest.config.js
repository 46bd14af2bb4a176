/** Unit and component tests: mocked n8n functions, real HTTP and real pusher-js on 127.0.0.1. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/unit'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 30000,
	// The slow suites wait on sockets and timers rather than compute: more workers than cores
	// (jest's default is one less than the cores, a single worker on two).
	maxWorkers: 4,
};
