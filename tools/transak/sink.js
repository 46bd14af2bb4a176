'use strict';
/**
 * Stands in for Slack and a CRM in the sandbox: the example workflows post here, and every request
 * is printed, so a user sees what their workflow would have sent.
 */
const http = require('http');

function startSink({ log = (line) => console.log(line) } = {}) {
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
			log(`  [${where}] ${req.method} ${req.url} ${shown}`);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			resolve({
				url: `http://127.0.0.1:${port}`,
				close: () => new Promise((done) => server.close(() => done())),
			});
		});
	});
}

module.exports = { startSink };
