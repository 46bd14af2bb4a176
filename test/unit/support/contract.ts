/** Tables of CONTRACT.md that tests check the code against. */

/** The contract's table, written out again on purpose: the code must match it, not itself. */
export const CONTRACT: Array<[string, string[]]> = [
	['Awaiting Payment', ['AWAITING_PAYMENT_FROM_USER', 'PAYMENT_DONE_MARKED_BY_USER']],
	['Processing', ['PROCESSING', 'PENDING_DELIVERY_FROM_TRANSAK']],
	['On Hold', ['ON_HOLD_PENDING_DELIVERY_FROM_TRANSAK']],
	['Completed', ['COMPLETED']],
	['Failed', ['FAILED', 'CANCELLED', 'EXPIRED']],
	['Refunded', ['REFUNDED']],
	['KYC Submitted', ['SUBMITTED']],
	['KYC Approved', ['APPROVED']],
	['KYC Rejected', ['REJECTED']],
];
