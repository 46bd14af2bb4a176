'use strict';
/** `npm run bench`: builds, then runs every in-process benchmark and prints its figures. */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });

const benches = ['webhook.js', 'websocket.js']
	.map((f) => path.join(root, 'bench', f))
	.filter(fs.existsSync);
for (const bench of benches) {
	console.log(`\n== ${path.basename(bench)}`);
	execFileSync(process.execPath, ['--expose-gc', bench], { cwd: root, stdio: 'inherit' });
}
