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
import { Transak } from '../../../nodes/Transak/Transak.node';
import { TransakStatusRouter } from '../../../nodes/Transak/TransakStatusRouter.node';
import { TransakTrigger } from '../../../nodes/Transak/TransakTrigger.node';
import { TransakWebSocketTrigger } from '../../../nodes/Transak/TransakWebSocketTrigger.node';
import { WEBHOOK_ANSWERS } from '../../../nodes/Transak/webhook/answer';

const FILE = path.join(__dirname, 'contract.json');

type Facts = Record<string, unknown>;

/** Where a parameter shows, as part of its identity: the same name may appear per operation. */
function placeOf(property: INodeProperties): string {
	const show = property.displayOptions?.show;
	return show === undefined ? '' : ` ${JSON.stringify(show)}`;
}

function propertyFacts(prefix: string, properties: INodeProperties[], facts: Facts): void {
	for (const property of properties) {
		if (property.type === 'notice') continue;
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

const NODES = (): INodeType[] => [
	new Transak(),
	new TransakTrigger(),
	new TransakWebSocketTrigger(),
	new TransakStatusRouter(),
];

function contractFacts(nodes: INodeType[] = NODES()): Facts {
	const facts: Facts = {};
	for (const { description } of nodes) {
		const versions = Array.isArray(description.version)
			? description.version
			: [description.version];
		for (const version of versions) {
			const at = `node ${description.name} v${version}`;
			facts[`${at} outputs`] = description.outputs;
			facts[`${at} credentials`] = (description.credentials ?? []).map((c) => c.name);
			facts[`${at} webhooks`] = (description.webhooks ?? []).map((w) => [
				w.name,
				w.httpMethod,
				w.path,
			]);
			propertyFacts(`${at} parameter`, description.properties, facts);
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
		const nodes = NODES();
		const transak = nodes[0].description;
		const operation = transak.properties.find(
			(p) => p.name === 'operation' && p.displayOptions?.show?.resource?.[0] === 'order',
		)!;
		// Order > Cancel listed first, as alphabetical order would put it: the default moves.
		operation.options = [{ name: 'Cancel', value: 'cancel' }, ...(operation.options ?? [])];
		operation.default = 'cancel';
		// A status route that appears before Other moves Other to another output.
		const router = nodes[3].description;
		const withRoute = String(router.outputs).replace(
			']], "Other")',
			'],["onHold","On Hold"]], "Other")',
		);
		expect(withRoute).not.toBe(router.outputs);
		router.outputs = withRoute as `={{${string}}}`;
		const broken = brokenFacts(recorded, contractFacts(nodes));
		expect(broken).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^node transak v1 parameter operation .*"order".* default: was/),
				expect.stringMatching(/^node transakStatusRouter v1 outputs: was/),
			]),
		);
	});
});
