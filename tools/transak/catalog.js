'use strict';
/**
 * What the simulated Transak sells: crypto currencies per network, fiat currencies with their
 * payment methods and limits, countries, and the prices its quotes use. Shaped like the entries of
 * Transak's public lists (Get Crypto Currencies, Get Fiat Currencies, Get Countries); the figures
 * are made up and fixed, so quotes are reproducible.
 */

/** USD per unit of each crypto currency. */
const CRYPTO_USD = { ETH: 3000, USDC: 1, USDT: 1, BTC: 60000, SOL: 150, POL: 0.5, LUNA: 0.4 };

/** USD per unit of each fiat currency. */
const FIAT_USD = { EUR: 1.08, USD: 1, GBP: 1.27, INR: 0.012 };

/** Network fee per network, in USD. */
const NETWORK_FEE_USD = {
	ethereum: 2.5,
	arbitrum: 0.1,
	base: 0.05,
	polygon: 0.02,
	solana: 0.01,
	tron: 1,
	mainnet: 3,
	terra: 0.1,
};

const CHAIN_IDS = {
	ethereum: '1',
	arbitrum: '42161',
	base: '8453',
	polygon: '137',
	solana: null,
	tron: null,
	mainnet: null,
	terra: null,
};

/** Each crypto currency and the networks it is sold on; Transak lists one entry per network. */
const CRYPTO = {
	ETH: { name: 'Ethereum', decimals: 18, networks: ['ethereum', 'arbitrum', 'base'] },
	USDC: {
		name: 'USD Coin',
		decimals: 6,
		stable: true,
		networks: ['ethereum', 'polygon', 'base', 'solana'],
	},
	USDT: { name: 'Tether', decimals: 6, stable: true, networks: ['ethereum', 'tron'] },
	BTC: { name: 'Bitcoin', decimals: 8, networks: ['mainnet'] },
	SOL: { name: 'Solana', decimals: 9, networks: ['solana'] },
	POL: { name: 'Polygon Ecosystem Token', decimals: 18, networks: ['polygon'] },
	// Listed, but not sold to this partner.
	LUNA: { name: 'Terra', decimals: 6, networks: ['terra'], allowed: false },
};

function cryptoCurrencies() {
	const entries = Object.entries(CRYPTO).flatMap(([symbol, coin]) =>
		coin.networks.map((network) => ({
			coinId: coin.name.toLowerCase().replace(/\s+/g, '-'),
			symbol,
			name: coin.name,
			decimals: coin.decimals,
			isAllowed: coin.allowed !== false,
			isStable: coin.stable === true,
			isPopular: ['ETH', 'USDC', 'BTC'].includes(symbol),
			network: { name: network, chainId: CHAIN_IDS[network] },
		})),
	);
	return entries.map((entry, index) => ({
		_id: `crypto-${String(index + 1).padStart(3, '0')}`,
		...entry,
	}));
}

/** [id, name, minAmount, maxAmount, processingTime] */
const CARD = ['credit_debit_card', 'Card Payment', 30, 3000, '1-5 minutes'];
const PAYMENT_OPTIONS = {
	EUR: [
		CARD,
		['sepa_bank_transfer', 'SEPA Bank Transfer', 20, 15000, '1-2 working days'],
		['apple_pay', 'Apple Pay', 30, 1500, '1-5 minutes'],
	],
	USD: [CARD, ['apple_pay', 'Apple Pay', 30, 1500, '1-5 minutes']],
	GBP: [CARD, ['gbp_bank_transfer', 'Faster Payments', 20, 10000, 'up to 2 hours']],
	INR: [['upi', 'UPI', 1000, 200000, '1-10 minutes']],
};

/** [symbol, name, supporting countries] */
const FIAT = [
	['EUR', 'Euro', ['FR', 'DE', 'ES', 'IT', 'NL']],
	['USD', 'US Dollar', ['US']],
	['GBP', 'Pound Sterling', ['GB']],
	['INR', 'Indian Rupee', ['IN']],
];

function fiatCurrencies() {
	return FIAT.map(([symbol, name, supportingCountries]) => ({
		symbol,
		name,
		isAllowed: true,
		isPopular: symbol !== 'INR',
		supportingCountries,
		paymentOptions: PAYMENT_OPTIONS[symbol].map(
			([id, optionName, minAmount, maxAmount, processingTime]) => ({
				id,
				name: optionName,
				isActive: true,
				minAmount,
				maxAmount,
				processingTime,
			}),
		),
	}));
}

/** [alpha2, alpha3, name, currencyCode, isAllowed] */
const COUNTRIES = [
	['FR', 'FRA', 'France', 'EUR', true],
	['DE', 'DEU', 'Germany', 'EUR', true],
	['ES', 'ESP', 'Spain', 'EUR', true],
	['IT', 'ITA', 'Italy', 'EUR', true],
	['NL', 'NLD', 'Netherlands', 'EUR', true],
	['GB', 'GBR', 'United Kingdom', 'GBP', true],
	['US', 'USA', 'United States of America', 'USD', true],
	['IN', 'IND', 'India', 'INR', true],
	['KP', 'PRK', "Korea (Democratic People's Republic of)", 'KPW', false],
];

function countries() {
	return COUNTRIES.map(([alpha2, alpha3, name, currencyCode, isAllowed]) => ({
		alpha2,
		alpha3,
		name,
		currencyCode,
		isAllowed,
	}));
}

module.exports = {
	CRYPTO_USD,
	FIAT_USD,
	NETWORK_FEE_USD,
	cryptoCurrencies,
	fiatCurrencies,
	countries,
};
