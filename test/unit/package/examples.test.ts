import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

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

const examples = readdirSync(EXAMPLES)
	.filter((file) => file.endsWith('.json'))
	.map((file) => ({
		file,
		nodes: (JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { nodes: ExampleNode[] })
			.nodes,
	}));

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
});
