'use strict';
/** Prints one "N passed, N failed" line from jest JSON reports, so CI logs state what ran. */
const fs = require('fs');

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
	const report = JSON.parse(fs.readFileSync(file, 'utf8'));
	passed += report.numPassedTests;
	failed += report.numFailedTests;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
