import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import type { INode } from 'n8n-workflow';

import { TransakStatusRouter } from '../../../nodes/Transak/TransakStatusRouter.node';
import { n8nOutputs } from '../support/n8n';

/*
 * The example workflows as the editor lays them out: a node is drawn 100 px wide and high, with its
 * name and subtitle under it and wider than it (two or three lines, up to about 180 px). Two nodes
 * closer than that in both directions run their labels into each other. Sticky notes lie behind
 * nodes on purpose and are left out.
 */
const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const MIN_APART = 180;

interface ExampleNode {
	name: string;
	type: string;
	position: [number, number];
}

interface Example {
	nodes: ExampleNode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
}

const examples = readdirSync(EXAMPLES)
	.filter((file) => file.endsWith('.json'))
	.map((file) => ({
		file,
		...(JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Example),
	}));

const ROUTER_TYPE = 'n8n-nodes-transak.transakStatusRouter';

/** Which node each Status Router output of the examples leads to, by output name. */
const ROUTER_WIRING: Record<string, Record<string, string>> = {
	'status-router.json': {
		'Awaiting Payment': 'Remind user to pay',
		Processing: 'Log progress',
		'On Hold': 'Escalate on-hold order',
		Completed: 'Send receipt',
		Failed: 'Suggest another payment method',
		Refunded: 'Notify refund',
		'KYC Submitted': 'Log KYC submission',
		'KYC Approved': 'Welcome verified user',
		'KYC Rejected': 'Alert support (KYC)',
		Other: 'Log unknown status',
	},
	'websocket-all-orders.json': {
		Completed: 'Post completed order to Slack',
		Failed: 'Post failed order to Slack',
		Other: 'Ignore other statuses',
	},
};

/** A router node's outputs by name, as n8n computes them, each with the node it leads to. */
function routerWiring(example: Example, node: INode): Record<string, string> {
	const targets = example.connections[node.name]?.main ?? [];
	return Object.fromEntries(
		n8nOutputs(new TransakStatusRouter(), node).map(([, name], index) => [
			name,
			(targets[index] ?? []).map((target) => target.node).join(', '),
		]),
	);
}

/** Pairs of nodes drawn over each other's labels. */
export function overlaps(nodes: ExampleNode[]): string[] {
	const drawn = nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote');
	const found: string[] = [];
	drawn.forEach((a, i) => {
		for (const b of drawn.slice(i + 1)) {
			const dx = Math.abs(a.position[0] - b.position[0]);
			const dy = Math.abs(a.position[1] - b.position[1]);
			if (dx < MIN_APART && dy < MIN_APART) found.push(`"${a.name}" and "${b.name}"`);
		}
	});
	return found;
}

describe('example workflows', () => {
	it('exist', () => {
		expect(examples.length).toBeGreaterThan(0);
	});

	it('would catch two nodes drawn 150 px apart', () => {
		const at = (name: string, y: number): ExampleNode => ({
			name,
			type: 'n8n-nodes-base.httpRequest',
			position: [650, y],
		});
		expect(overlaps([at('Post completed order to Slack', 150), at('Post failed', 300)])).toEqual([
			'"Post completed order to Slack" and "Post failed"',
		]);
	});

	it.each(examples.map((example) => [example.file, example.nodes] as const))(
		'%s: no node is drawn over another',
		(_file, nodes) => {
			expect(overlaps(nodes)).toEqual([]);
		},
	);

	it.each(Object.keys(ROUTER_WIRING))(
		'%s: each Status Router output leads to the handler of its name',
		(file) => {
			const example = examples.find((e) => e.file === file)!;
			const routers = example.nodes.filter((node) => node.type === ROUTER_TYPE);
			expect(routers).toHaveLength(1);
			expect(routerWiring(example, routers[0] as unknown as INode)).toEqual(ROUTER_WIRING[file]);
		},
	);

	it('every example with a Status Router is in the wiring table', () => {
		const withRouter = examples
			.filter((e) => e.nodes.some((node) => node.type === ROUTER_TYPE))
			.map((e) => e.file);
		expect(withRouter.sort()).toEqual(Object.keys(ROUTER_WIRING).sort());
	});
});
