import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		ignores: ['test/**', 'bench/**', 'scripts/**', 'examples/**', '*.js', '*.mjs'],
	},
	{
		rules: {
			// Runtime dependencies are forbidden only for nodes verified for n8n Cloud. This package
			// targets self-hosted n8n and needs two: pusher-js (the Pusher protocol Transak streams
			// over) and jsonwebtoken (verifying Transak's signed payloads).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
];
