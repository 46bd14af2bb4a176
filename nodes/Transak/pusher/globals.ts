import Pusher, { type Options } from 'pusher-js';

/*
 * pusher-js keeps two things for every client it ever created and never releases them: its
 * `Pusher.instances` entry, and the `online`/`offline` handlers each instance binds on the global
 * network object (about 20 KB a client). A trigger activated and deactivated repeatedly must remove
 * both itself.
 */

interface Dispatcher {
	callbacks: { get(name: string): Array<{ fn: (...args: unknown[]) => void }> | undefined };
	unbind(eventName: string, callback: (...args: unknown[]) => void): void;
}

/** Pusher's global network object (Node: a never-online-or-offline event dispatcher). */
function network(): Dispatcher | undefined {
	const runtime = (Pusher as unknown as { Runtime?: { getNetwork?: () => unknown } }).Runtime;
	const net = runtime?.getNetwork?.() as Dispatcher | undefined;
	return net && typeof net.unbind === 'function' && net.callbacks ? net : undefined;
}

function networkHandlers(
	net: Dispatcher | undefined,
): Map<string, Set<(...args: unknown[]) => void>> {
	const handlers = new Map<string, Set<(...args: unknown[]) => void>>();
	for (const name of ['online', 'offline']) {
		handlers.set(name, new Set((net?.callbacks.get(name) ?? []).map((binding) => binding.fn)));
	}
	return handlers;
}

/**
 * A pusher-js client, and a function that removes what pusher-js keeps globally for it (call it
 * once the client is disconnected).
 */
export function createPusher(
	appKey: string,
	options: Options,
): { pusher: Pusher; release(): void } {
	const net = network();
	const before = networkHandlers(net);
	const pusher = new Pusher(appKey, options);
	// The constructor is synchronous: every network handler that appeared during it is this client's.
	const added = [...networkHandlers(net)].map(
		([name, fns]) => [name, [...fns].filter((fn) => !before.get(name)?.has(fn))] as const,
	);
	return {
		pusher,
		release() {
			const instances = (Pusher as unknown as { instances: Pusher[] }).instances;
			const index = instances.indexOf(pusher);
			if (index !== -1) instances.splice(index, 1);
			for (const [name, fns] of added) for (const fn of fns) net?.unbind(name, fn);
		},
	};
}
