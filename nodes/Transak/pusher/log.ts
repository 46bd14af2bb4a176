/** What the Pusher modules log through: n8n's logger, or a test's. */
export interface ClientLogger {
	debug(message: string): void;
	info(message: string): void;
	warn(message: string): void;
}

/**
 * A kind of problem worth one warning: the first at warn level, with `note` (what happens next),
 * the following ones at debug level, so that a flood of bad events cannot flood n8n's log.
 */
export function warnOnce(
	log: (level: 'warn' | 'debug', message: string) => void,
	note: string,
): (message: string) => void {
	let warned = false;
	return (message) => {
		if (warned) {
			log('debug', message);
			return;
		}
		warned = true;
		log('warn', `${message}${note}`);
	};
}
