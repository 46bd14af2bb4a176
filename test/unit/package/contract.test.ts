/**
 * The contract saved workflows rely on, checked against test/unit/package/contract.json: for every
 * node version its parameters (name, type, default, option values, where they show), outputs and
 * credentials; the credential's fields; the Transak Trigger's webhook answers.
 *
 * A fact that changed or went away fails with a message saying to add a node version instead. A
 * new fact (a new parameter, option or operation) fails too, until it is recorded with
 * `UPDATE_CONTRACT=1 npx jest test/unit/package/contract`, so that the file lists what a
 * release promises.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { INodeProperties, INodeType } from 'n8n-workflow';

import { TransakApi } from '../../../credentials/TransakApi.credentials';
import {
	ROUTER_VERSIONS,
	TransakStatusRouter,
	versionedParts,
} from '../../../nodes/Transak/TransakStatusRouter.node';
import {
	OTHER_ROUTE_NAME,
	ROUTES,
	type RouteDefinition,
	type RouteKey,
} from '../../../nodes/Transak/model/statuses';
import { WEBHOOK_ANSWERS } from '../../../nodes/Transak/webhook/answer';
import { n8nOutputs, nodeOf, packageNodes } from '../support/n8n';

const FILE = path.join(__dirname, 'contract.json');

/** A route a maintainer might add (a status group Transak does not have). */
const NEW_ROUTE = {
	key: 'underReview' as RouteKey,
	name: 'Under Review',
	kind: 'order' as const,
	statuses: ['UNDER_REVIEW'],
};

/** The Status Router with `extra` routes after the table's. */
function routerWith(extra: RouteDefinition[], versions: number[]): INodeType {
	const { description } = new TransakStatusRouter();
	return {
		description: { ...description, ...versionedParts([...ROUTES, ...extra], versions) },
	} as INodeType;
}

type Facts = Record<string, unknown>;

/** Whether a property shows in node `version` (its `@version` display option, if any). */
function showsIn(property: INodeProperties, version: number): boolean {
	const show = property.displayOptions?.show?.['@version'];
	const hide = property.displayOptions?.hide?.['@version'];
	const matches = (values: unknown[] | undefined) =>
		values?.some((value) => {
			if (typeof value === 'number') return value === version;
			const condition = (value as { _cnd?: Record<string, number> })._cnd ?? {};
			return Object.entries(condition).every(([operator, bound]) =>
				operator === 'gte'
					? version >= bound
					: operator === 'lte'
						? version <= bound
						: operator === 'gt'
							? version > bound
							: operator === 'lt'
								? version < bound
								: version === bound,
			);
		});
	return (show === undefined || matches(show) === true) && matches(hide) !== true;
}

/**
 * Where a parameter shows, as part of its identity: the same name may appear per operation. The
 * node version is not part of it: each version's facts list what shows in that version.
 */
function placeOf(property: INodeProperties): string {
	const show = { ...property.displayOptions?.show };
	delete show['@version'];
	return Object.keys(show).length === 0 ? '' : ` ${JSON.stringify(show)}`;
}

function propertyFacts(
	prefix: string,
	properties: INodeProperties[],
	facts: Facts,
	version?: number,
): void {
	for (const property of properties) {
		if (property.type === 'notice') continue;
		if (version !== undefined && !showsIn(property, version)) continue;
		const at = `${prefix} ${property.name}${placeOf(property)}`;
		facts[`${at} type`] = property.type;
		facts[`${at} default`] = property.default;
		for (const option of property.options ?? []) {
			if ('value' in option) facts[`${at} option ${String(option.value)}`] = true;
			else if ('values' in option)
				propertyFacts(`${at} ${option.name}:`, option.values as INodeProperties[], facts);
			else propertyFacts(`${at}:`, [option as INodeProperties], facts);
		}
	}
}

/**
 * A node version's outputs as n8n computes them for a node left at its defaults: output names when
 * they come from an expression (as the Status Router's do).
 */
function outputsOf(nodeType: INodeType, version: number): unknown {
	const { description } = nodeType;
	if (typeof description.outputs !== 'string') return description.outputs;
	return n8nOutputs(
		nodeType,
		nodeOf({ type: `n8n-nodes-transak.${description.name}`, typeVersion: version }),
	);
}

function contractFacts(nodes: INodeType[] = packageNodes()): Facts {
	const facts: Facts = {};
	for (const nodeType of nodes) {
		const { description } = nodeType;
		const versions = Array.isArray(description.version)
			? description.version
			: [description.version];
		for (const version of versions) {
			const at = `node ${description.name} v${version}`;
			facts[`${at} outputs`] = outputsOf(nodeType, version);
			facts[`${at} credentials`] = (description.credentials ?? []).map((c) => c.name);
			facts[`${at} webhooks`] = (description.webhooks ?? []).map((w) => [
				w.name,
				w.httpMethod,
				w.path,
			]);
			propertyFacts(`${at} parameter`, description.properties, facts, version);
		}
	}
	const credential = new TransakApi();
	propertyFacts(`credential ${credential.name} field`, credential.properties, facts);
	for (const [status, body] of Object.entries(WEBHOOK_ANSWERS))
		facts[`webhook answer ${status}`] = body;
	return facts;
}

/** Recorded facts that `current` changes or drops, in words. */
function brokenFacts(recorded: Facts, current: Facts): string[] {
	return Object.entries(recorded)
		.filter(([key, value]) => JSON.stringify(current[key]) !== JSON.stringify(value))
		.map(([key, value]) =>
			key in current
				? `${key}: was ${JSON.stringify(value)}, is ${JSON.stringify(current[key])}`
				: `${key}: gone`,
		);
}

describe('the contract of released node versions (contract.json)', () => {
	const current = contractFacts();

	if (process.env.UPDATE_CONTRACT === '1') {
		it('records the contract', () => {
			fs.writeFileSync(FILE, `${JSON.stringify(current, null, '\t')}\n`);
		});
		return;
	}
	const recorded = JSON.parse(fs.readFileSync(FILE, 'utf8')) as Facts;

	it('keeps every recorded fact: a change to a released version needs a new node version', () => {
		const broken = brokenFacts(recorded, current);
		if (broken.length > 0) {
			throw new Error(
				`Saved workflows would change meaning. Keep these as they were and add a node version for the change (see docs/ARCHITECTURE.md, "Changing safely"):\n${broken.join('\n')}`,
			);
		}
	});

	it('records every fact: additions are listed in contract.json', () => {
		const added = Object.keys(current).filter((key) => !(key in recorded));
		if (added.length > 0) {
			throw new Error(
				`New parameters, options or outputs: record them with UPDATE_CONTRACT=1 npx jest test/unit/package/contract\n${added.join('\n')}`,
			);
		}
	});

	it('fails for the two breaking changes: a new first operation, a new positional output', () => {
		const nodes = packageNodes();
		const transak = nodes[0].description;
		// Order > Cancel listed first, as alphabetical order would put it: the default moves. (On
		// copies: the descriptions are shared by every instance.)
		const properties = transak.properties.map((p) =>
			p.name === 'operation' && p.displayOptions?.show?.resource?.[0] === 'order'
				? {
						...p,
						options: [{ name: 'Cancel', value: 'cancel' }, ...(p.options ?? [])],
						default: 'cancel',
					}
				: p,
		);
		nodes[0] = { description: { ...transak, properties } } as INodeType;
		// A status with its own route, added without a new router version: Other moves.
		nodes[3] = routerWith([{ ...NEW_ROUTE, since: 1 }], ROUTER_VERSIONS);
		const broken = brokenFacts(recorded, contractFacts(nodes));
		expect(broken).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^node transak v1 parameter operation .*"order".* default: was/),
				expect.stringMatching(/^node transakStatusRouter v1 outputs: was/),
			]),
		);
	});

	it("keeps the router's recorded outputs when a new route joins a new router version", () => {
		const nodes = packageNodes();
		const next = Math.max(...ROUTER_VERSIONS) + 1;
		nodes[3] = routerWith([{ ...NEW_ROUTE, since: next }], [...ROUTER_VERSIONS, next]);
		const facts = contractFacts(nodes);
		expect(brokenFacts(recorded, facts)).toEqual([]);
		const names = (facts[`node transakStatusRouter v${next} outputs`] as string[][]).map(
			([, name]) => name,
		);
		expect(names.slice(-2)).toEqual([NEW_ROUTE.name, OTHER_ROUTE_NAME]);
		expect(facts[`node transakStatusRouter v${next} parameter routes default`]).toContain(
			NEW_ROUTE.key,
		);
	});
});
