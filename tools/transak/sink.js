'use strict';
/**
 * Stands in for Slack and a CRM in the sandbox: the example workflows post here, and every request
 * is printed, so a user sees what their workflow would have sent.
 */
const http = require('http');

/**
 * `verbose: false` prints nothing per request: `calls()` then tells how many each target got
 * (a summary line is the caller's).
 */
function startSink({ log = (line) => console.log(line), verbose = true } = {}) {
	const counts = { slack: 0, crm: 0 };
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body;
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
			}
			const where = req.url.startsWith('/slack') ? 'slack' : 'crm';
			const shown =
				where === 'slack' && body && typeof body === 'object' ? body.text : JSON.stringify(body);
			counts[where] += 1;
			if (verbose) log(`  [${where}] ${req.method} ${req.url} ${shown}`);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			resolve({
				url: `http://127.0.0.1:${port}`,
				calls: () => ({ ...counts }),
				close: () => new Promise((done) => server.close(() => done())),
			});
		});
	});
}

module.exports = { startSink };
