import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';

import {
	eventsProperty,
	maxDeliveryAgeOption,
	optionsCollection,
	personalDataProperty,
} from './descriptions';
import { maxDeliveryAgeHours } from './model/replay';
import { ORDER_EVENTS } from './model/statuses';
import { personalDataProtection } from './personalData';
import { channelFor, type ChannelMode } from './pusher/channels';
import { endpointFromOptions } from './pusher/endpoint';
import { recoveryApi } from './pusher/recovery';
import { OrderStream } from './pusher/stream';
import { CREDENTIAL_TYPE, type TransakApiCredentials } from './transport/credentials';
import { credentialSecrets } from './text/secrets';
import { Keyring, triggerLabel } from './verification/keyring';

export class TransakWebSocketTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transak WebSocket Trigger',
		name: 'transakWebSocketTrigger',
		icon: { light: 'file:transak.svg', dark: 'file:transak.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ {"orderId": "Order " + $parameter["orderId"], "partnerOrderId": "Partner order " + $parameter["partnerOrderId"], "allOrders": "All orders"}[$parameter["channel"]] }}',
		description: 'Starts the workflow on Transak order updates streamed over Pusher Channels',
		eventTriggerDescription: 'Waiting for a Transak order update',
		activationMessage: 'Order updates from Transak will now start executions of this workflow.',
		defaults: { name: 'Transak WebSocket Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		triggerPanel: {
			header: 'Transak streams order updates to this node over Pusher Channels (WebSocket)',
			executionsHelp: {
				inactive:
					"<b>While you build</b>: click 'Execute step'. The node connects to the chosen channel and the next order update on it shows up here (on the all-orders channel, every order of your API key).<br /><br /><b>To run it for real</b>: publish the workflow. It stays connected and every update starts an execution. It needs no public URL and nothing registered with Transak; on the all-orders channel updates are verified with the credential's access token.",
				active:
					'<b>While you build</b>: click \'Execute step\'. The node connects to the chosen channel and the next order update on it shows up here.<br /><br /><b>The workflow is published</b>: it stays connected (no public URL needed) and every update starts an execution, shown in the <a data-key="executions">executions list</a>.',
			},
			activationHint:
				'Publish the workflow to follow the channel without clicking this button: no public URL is needed.',
		},
		properties: [
			{
				displayName: 'Channel',
				name: 'channel',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'All Orders',
						value: 'allOrders',
						description:
							'Every order of your API key. Events are signed with the access token and verified before they start the workflow.',
					},
					{
						name: 'One Order by Order ID',
						value: 'orderId',
						description: 'One order, by the ID Transak gave it (a public channel)',
					},
					{
						name: 'One Order by Partner Order ID',
						value: 'partnerOrderId',
						description:
							'One order, by the partnerOrderId you passed to the widget (a public channel)',
					},
				],
				default: 'allOrders',
			},
			{
				displayName: 'Order ID',
				name: 'orderId',
				type: 'string',
				required: true,
				default: '',
				placeholder: 'aa39d8e1-…-ce7f',
				description: 'The Transak order ID to follow',
				displayOptions: { show: { channel: ['orderId'] } },
			},
			{
				displayName: 'Partner Order ID',
				name: 'partnerOrderId',
				type: 'string',
				required: true,
				default: '',
				description: 'The partnerOrderId you passed to the Transak widget for this order',
				displayOptions: { show: { channel: ['partnerOrderId'] } },
			},
			eventsProperty(
				ORDER_EVENTS,
				'Which order events start the workflow. Leave empty for every event.',
			),
			personalDataProperty(),
			optionsCollection([
				{
					displayName: 'App Key',
					name: 'appKey',
					type: 'string',
					default: '1d9ffac87de599c61283',
					description: "Transak's Pusher app key (the same for staging and production)",
				},
				{
					displayName: 'Cluster',
					name: 'cluster',
					type: 'string',
					default: 'ap2',
					description: "Transak's Pusher cluster",
				},
				{
					displayName: 'Force TLS',
					name: 'forceTLS',
					type: 'boolean',
					default: true,
					description:
						'Whether to connect with wss:// (TLS). Turn off only for a local Pusher-protocol server.',
				},
				maxDeliveryAgeOption('Events received'),
				{
					displayName: 'Ping After Idle (Seconds)',
					name: 'activityTimeout',
					type: 'number',
					typeOptions: { minValue: 0.1, numberPrecision: 1 },
					default: 120,
					description:
						'Check the connection after this long without a message (the server may ask for a shorter time)',
				},
				{
					displayName: 'Pong Timeout (Seconds)',
					name: 'pongTimeout',
					type: 'number',
					typeOptions: { minValue: 0.1, numberPrecision: 1 },
					default: 30,
					description: 'How long to wait for the answer to a ping before reconnecting',
				},
				{
					displayName: 'Recover Missed Events',
					name: 'recoverMissed',
					type: 'boolean',
					default: true,
					description:
						'Whether to ask the Transak API, after every reconnect, for status changes made while disconnected and emit them (marked recovered: true)',
				},
				{
					displayName: 'WebSocket Host',
					name: 'wsHost',
					type: 'string',
					default: '',
					placeholder: '127.0.0.1',
					description:
						'Host of another Pusher-protocol server (a proxy, the local sandbox). Empty: Pusher itself.',
				},
				{
					displayName: 'WebSocket Port',
					name: 'wsPort',
					type: 'number',
					typeOptions: { minValue: 0, maxValue: 65535 },
					default: 0,
					description: 'Port of that server. 0: the standard port (443 with TLS, 80 without).',
				},
			]),
		],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		// Read afresh from n8n's database on every call: a token refreshed by another n8n process or
		// edited in the credential is seen by the next read.
		const readCredentials = async () =>
			(await this.getCredentials(CREDENTIAL_TYPE)) as unknown as TransakApiCredentials;
		const credentials = await readCredentials();
		const mode = this.getNodeParameter('channel', 'allOrders') as ChannelMode;
		const orderId =
			mode === 'orderId' ? String(this.getNodeParameter('orderId', '')).trim() : undefined;
		const partnerOrderId =
			mode === 'partnerOrderId'
				? String(this.getNodeParameter('partnerOrderId', '')).trim()
				: undefined;
		const events = (this.getNodeParameter('events', []) as string[]).filter(
			(e) => typeof e === 'string',
		);
		const options = this.getNodeParameter('options', {}) as IDataObject;

		const channel = channelFor(mode, { apiKey: credentials.apiKey, orderId, partnerOrderId });
		if (!channel.ok) throw new NodeOperationError(this.getNode(), channel.message);
		const keyring = new Keyring();
		// Every channel: a public one may carry signed tokens too.
		const keys = keyring.adopt(credentials);
		if (mode === 'allOrders' && !keys.hasKeys) {
			throw new NodeOperationError(
				this.getNode(),
				'The Transak API credential has no access token: the all-orders channel cannot be verified without it',
			);
		}

		const node = this.getNode();
		const manual = this.getMode() === 'manual';
		const workflowId = String(this.getWorkflow().id ?? '');
		const nodeId = node.id ?? node.name;
		const api = recoveryApi(this, credentials, options.recoverMissed !== false);
		const protect = await personalDataProtection(
			this,
			this.getNodeParameter('personalData', 'keep'),
		);
		const stream = new OrderStream(
			{
				// Looked up at call time: in manual mode n8n replaces emit/emitError after trigger() returns.
				emit: (json, deduplicationKey) =>
					this.emit([[{ json: protect(json) }]], undefined, undefined, deduplicationKey),
				emitError: (error) => this.emitError(error),
				logger: this.logger,
			},
			{
				endpoint: endpointFromOptions(options),
				apiKey: String(credentials.apiKey ?? ''),
				channel: channel.name,
				target: { mode, orderId, partnerOrderId },
				events,
				maxAgeHours: maxDeliveryAgeHours(options.maxDeliveryAge),
				keys: {
					get verifier() {
						return keyring.verifier;
					},
					reread: async (options) => await keyring.reread(readCredentials, options),
					fresh: async (maxAgeMs) => await keyring.fresh(readCredentials, maxAgeMs),
					dispose: () => keyring.dispose(),
				},
				api,
				secrets: credentialSecrets(credentials as unknown as IDataObject),
				manual,
				label: `Transak WebSocket Trigger "${node.name}"`,
				trigger: {
					id: `${workflowId}|${nodeId}`,
					label: triggerLabel(this, 'Transak WebSocket Trigger'),
				},
				// A test run is not remembered: the (order, status) it showed still runs once active.
				deduplicationScope: manual ? undefined : { workflowId, nodeId },
			},
		);
		stream.start();

		return {
			closeFunction: async () => stream.close(),
			manualTriggerFunction: async () => {
				await stream.firstEvent;
			},
		};
	}
}
