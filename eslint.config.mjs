import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		ignores: ['test/**', 'bench/**', 'scripts/**', 'tools/**', 'examples/**', '*.js', '*.mjs'],
	},
	{
		rules: {
			// Runtime dependencies are forbidden only for nodes verified for n8n Cloud. This package
			// targets self-hosted n8n and needs three: pusher-js (the Pusher protocol Transak streams
			// over), jsonwebtoken (verifying Transak's signed payloads) and ioredis (n8n's own Redis
			// client, loaded only in queue mode for the shared de-duplication window).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
];
