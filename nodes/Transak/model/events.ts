import type { INodePropertyOptions } from 'n8n-workflow';

/** Order event IDs, as Transak sends them in webhooks (`eventID`) and as Pusher event names. */
export const ORDER_EVENTS: INodePropertyOptions[] = [
	{ name: 'Order Created', value: 'ORDER_CREATED', description: 'Awaiting payment from the user' },
	{
		name: 'Order Payment Verifying',
		value: 'ORDER_PAYMENT_VERIFYING',
		description: 'The user marked the payment as done',
	},
	{
		name: 'Order Processing',
		value: 'ORDER_PROCESSING',
		description: 'Processing, pending delivery, or on hold',
	},
	{ name: 'Order Completed', value: 'ORDER_COMPLETED', description: 'Crypto or fiat delivered' },
	{
		name: 'Order Failed',
		value: 'ORDER_FAILED',
		description: 'Failed, cancelled or expired (route on status to tell them apart)',
	},
	{ name: 'Order Refunded', value: 'ORDER_REFUNDED', description: 'The payment was refunded' },
	{
		name: 'Order Expired',
		value: 'ORDER_EXPIRED',
		description: 'Sent by some integrations instead of Order Failed for expired orders',
	},
	{
		name: 'Order Cancelled',
		value: 'ORDER_CANCELLED',
		description: 'Sent by some integrations instead of Order Failed for cancelled orders',
	},
];

/** KYC event IDs (Whitelabel API partners). */
export const KYC_EVENTS: INodePropertyOptions[] = [
	{ name: 'KYC Submitted', value: 'KYC_SUBMITTED', description: 'The user submitted KYC details' },
	{ name: 'KYC Approved', value: 'KYC_APPROVED', description: 'KYC verification approved' },
	{ name: 'KYC Rejected', value: 'KYC_REJECTED', description: 'KYC verification rejected' },
];

/** The status an event implies when its payload carries none. */
export const DEFAULT_STATUS_BY_EVENT: Readonly<Record<string, string>> = {
	ORDER_CREATED: 'AWAITING_PAYMENT_FROM_USER',
	ORDER_PAYMENT_VERIFYING: 'PAYMENT_DONE_MARKED_BY_USER',
	ORDER_PROCESSING: 'PROCESSING',
	ORDER_COMPLETED: 'COMPLETED',
	ORDER_FAILED: 'FAILED',
	ORDER_REFUNDED: 'REFUNDED',
	ORDER_EXPIRED: 'EXPIRED',
	ORDER_CANCELLED: 'CANCELLED',
	KYC_SUBMITTED: 'SUBMITTED',
	KYC_APPROVED: 'APPROVED',
	KYC_REJECTED: 'REJECTED',
};

/** An empty selection means every event. */
export function isEventSelected(selected: readonly string[], eventID: string): boolean {
	return selected.length === 0 || selected.includes(eventID);
}
