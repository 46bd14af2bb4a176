const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// tsc emits only JavaScript; n8n loads icons and codex files from beside the compiled nodes.
function copy(folder, pattern) {
	return () =>
		src(path.join(folder, '**', pattern), { encoding: false }).pipe(
			dest(path.join('dist', folder)),
		);
}

task(
	'build:icons',
	parallel(
		copy('nodes', '*.{png,svg}'),
		copy('nodes', '*.node.json'),
		copy('credentials', '*.{png,svg}'),
	),
);
