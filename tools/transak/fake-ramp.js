'use strict';
/**
 * The on-ramp endpoints of the fake Transak API (see fake-api.js), as Transak's API reference
 * documents them:
 *   GET  /api/v1/pricing/public/quotes            no token; partnerApiKey, fiatCurrency, cryptoCurrency,
 *        isBuyOrSell, network, fiatAmount | cryptoAmount, paymentMethod?, quoteCountryCode?
 *        -> {response: quote} | 400 {error: {statusCode, message}} (below the minimum, unsupported pair)
 *   GET  /api/v2/currencies/crypto-currencies     no token -> {response: [...]}
 *   GET  /api/v2/currencies/fiat-currencies       no token -> {response: [...]}
 *   GET  /api/v2/countries                        no token -> {response: [...]}
 *   POST /api/v2/auth/session                     Create Widget URL (the API gateway's path): the
 *        `access-token` header, body {widgetParams: {apiKey, referrerDomain, ...}}
 *        -> {data: {widgetUrl}}; the URL opens once, within 5 minutes
 *   GET  /widget?apiKey&sessionId                 a stand-in for Transak's widget page, so that the
 *        sandbox's payment links can be opened
 */
const crypto = require('crypto');

const {
	CRYPTO_USD,
	FIAT_USD,
	NETWORK_FEE_USD,
	countries,
	cryptoCurrencies,
	fiatCurrencies,
} = require('./catalog');

const QUOTES = '/api/v1/pricing/public/quotes';
const CRYPTO_LIST = '/api/v2/currencies/crypto-currencies';
const FIAT_LIST = '/api/v2/currencies/fiat-currencies';
const COUNTRY_LIST = '/api/v2/countries';
const SESSION = '/api/v2/auth/session';
const WIDGET = '/widget';

/** Transak's own fee, as a fraction of the fiat amount. */
const TRANSAK_FEE = 0.01;
/** Percent between the market price and the quoted price. */
const SLIPPAGE = 0.5;
const SESSION_TTL_MS = 5 * 60 * 1000;
const MAX_SESSIONS = 1000;
/** Widget parameters the fake checks; Transak documents many more, which it accepts as sent. */
const PRODUCTS = new Set(['BUY', 'SELL']);

const round = (value, digits) => Number(value.toFixed(digits));
const escapeHtml = (text) =>
	String(text).replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
	);

class RampError extends Error {
	constructor(statusCode, message) {
		super(message);
		this.statusCode = statusCode;
	}
}

const fail = (message, statusCode = 400) => {
	throw new RampError(statusCode, message);
};

function positiveAmount(name, text) {
	const value = Number(text);
	if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
		fail(`${name} must be a positive number`);
	return value;
}

/** The fiat currency, crypto currency on its network, and payment option a quote asks for. */
function pairOf(query) {
	const fiatSymbol = query.get('fiatCurrency');
	const cryptoSymbol = query.get('cryptoCurrency');
	const network = query.get('network');
	const fiat = fiatCurrencies().find((f) => f.symbol === fiatSymbol && f.isAllowed);
	if (!fiat) fail(`Fiat currency ${fiatSymbol} is not supported`);
	const listed = cryptoCurrencies().filter((c) => c.symbol === cryptoSymbol && c.isAllowed);
	if (listed.length === 0) fail(`Cryptocurrency ${cryptoSymbol} is not supported`);
	const coin = listed.find((c) => c.network.name === network);
	if (!coin) {
		const networks = listed.map((c) => c.network.name).join(', ');
		fail(`${cryptoSymbol} is not supported on network ${network} (supported: ${networks})`);
	}
	const method = query.get('paymentMethod') ?? fiat.paymentOptions[0].id;
	const option = fiat.paymentOptions.find((p) => p.id === method && p.isActive);
	if (!option) fail(`Payment method ${method} is not supported for ${fiatSymbol}`);
	return { fiat, coin, option };
}

function checkCountry(code) {
	if (code === null) return;
	const country = countries().find((c) => c.alpha2 === code);
	if (!country) fail(`quoteCountryCode ${code} is not a valid ISO 3166 alpha-2 country code`);
	if (!country.isAllowed) fail(`Transak is not available in ${country.name}`);
}

/** Transak's Get Price answer for a validated query, or a RampError. */
function quoteFor(query, apiKey) {
	for (const name of ['partnerApiKey', 'fiatCurrency', 'cryptoCurrency', 'isBuyOrSell', 'network'])
		if (!query.get(name)) fail(`${name} is required`);
	if (query.get('partnerApiKey') !== apiKey) fail('Invalid partnerApiKey', 401);
	const side = query.get('isBuyOrSell');
	if (!PRODUCTS.has(side)) fail('isBuyOrSell must be BUY or SELL');
	const fiatText = query.get('fiatAmount');
	const cryptoText = query.get('cryptoAmount');
	if ((fiatText === null) === (cryptoText === null))
		fail('Send exactly one of fiatAmount and cryptoAmount');
	const { fiat, coin, option } = pairOf(query);
	checkCountry(query.get('quoteCountryCode'));

	const marketConversionPrice = FIAT_USD[fiat.symbol] / CRYPTO_USD[coin.symbol]; // crypto per fiat
	const conversionPrice = marketConversionPrice * (1 - SLIPPAGE / 100);
	const networkFee = NETWORK_FEE_USD[coin.network.name] / FIAT_USD[fiat.symbol];
	const digits = Math.min(coin.decimals, 8);
	// Buying, the fees come out of the fiat paid; selling, out of the crypto's fiat value.
	let fiatAmount;
	let cryptoAmount;
	let feeBase;
	if (fiatText !== null) {
		fiatAmount = positiveAmount('fiatAmount', fiatText);
		feeBase = side === 'BUY' ? fiatAmount : (fiatAmount + networkFee) / (1 - TRANSAK_FEE);
		cryptoAmount =
			(side === 'BUY' ? fiatAmount * (1 - TRANSAK_FEE) - networkFee : feeBase) * conversionPrice;
	} else {
		cryptoAmount = positiveAmount('cryptoAmount', cryptoText);
		const value = cryptoAmount / conversionPrice;
		fiatAmount =
			side === 'BUY'
				? (value + networkFee) / (1 - TRANSAK_FEE)
				: value * (1 - TRANSAK_FEE) - networkFee;
		feeBase = side === 'BUY' ? fiatAmount : value;
	}
	if (cryptoAmount <= 0 || fiatAmount <= 0)
		fail(
			`The network fee is more than the source amount for ${coin.symbol} on ${coin.network.name}`,
		);
	if (fiatAmount < option.minAmount)
		fail(
			`Minimum fiat amount should be more than or equal to ${option.minAmount} ${fiat.symbol} for ${option.name}`,
		);
	if (fiatAmount > option.maxAmount)
		fail(
			`Fiat amount should be less than or equal to ${option.maxAmount} ${fiat.symbol} for ${option.name}`,
		);
	const transakFee = round(feeBase * TRANSAK_FEE, 2);
	const network = round(networkFee, 2);
	return {
		quoteId: crypto.randomUUID(),
		conversionPrice: round(conversionPrice, 10),
		marketConversionPrice: round(marketConversionPrice, 10),
		slippage: SLIPPAGE,
		fiatCurrency: fiat.symbol,
		cryptoCurrency: coin.symbol,
		paymentMethod: option.id,
		fiatAmount: round(fiatAmount, 2),
		cryptoAmount: round(cryptoAmount, digits),
		isBuyOrSell: side,
		network: coin.network.name,
		feeDecimal: TRANSAK_FEE,
		totalFee: round(transakFee + network, 2),
		feeBreakdown: [
			{ name: 'Transak fee', value: transakFee, id: 'transak_fee', ids: ['transak_fee'] },
			{ name: 'Network/Exchange fee', value: network, id: 'network_fee', ids: ['network_fee'] },
		],
		nonce: Date.now(),
	};
}

/** Checks the widget parameters the fake knows; the rest pass as sent, as Transak's do. */
function checkWidgetParams(params, apiKey) {
	if (params === null || typeof params !== 'object' || Array.isArray(params))
		fail('widgetParams is required');
	if (typeof params.apiKey !== 'string' || params.apiKey === '')
		fail('widgetParams.apiKey is required');
	if (params.apiKey !== apiKey) fail('Invalid apiKey', 401);
	if (typeof params.referrerDomain !== 'string' || params.referrerDomain.trim() === '')
		fail('widgetParams.referrerDomain is required');
	for (const name of ['fiatAmount', 'cryptoAmount'])
		if (params[name] !== undefined && !(Number(params[name]) > 0))
			fail(`widgetParams.${name} must be a positive number`);
	if (
		params.productsAvailed !== undefined &&
		!String(params.productsAvailed)
			.split(',')
			.every((p) => PRODUCTS.has(p.trim()))
	)
		fail('widgetParams.productsAvailed must be BUY, SELL or BUY,SELL');
	if (params.redirectURL !== undefined && !/^https?:\/\/[^\s]+$/i.test(String(params.redirectURL)))
		fail('widgetParams.redirectURL must be an http(s) URL');
	if (params.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(String(params.email)))
		fail('widgetParams.email is not an email address');
	if (params.cryptoCurrencyCode !== undefined) {
		const listed = cryptoCurrencies().filter((c) => c.symbol === params.cryptoCurrencyCode);
		if (listed.length === 0) fail(`Cryptocurrency ${params.cryptoCurrencyCode} is not supported`);
		if (params.network !== undefined && !listed.some((c) => c.network.name === params.network))
			fail(`${params.cryptoCurrencyCode} is not supported on network ${params.network}`);
	}
}

function widgetPage(title, lines) {
	const items = lines.map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</li>`);
	return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><ul>${items.join('')}</ul></body></html>`;
}

/**
 * The on-ramp routes for one fake API. `send(res, status, body)`, `authorized(req)` and
 * `errorBody(status, message)` are the fake's; `baseUrl()` its address (widget URLs point at it).
 */
function rampRoutes({ state, send, authorized, errorBody, baseUrl }) {
	/** sessionId -> {widgetParams, createdAt, opened} */
	const sessions = new Map();

	function sendHtml(res, status, html) {
		res.writeHead(status, {
			'content-type': 'text/html; charset=utf-8',
			'content-length': Buffer.byteLength(html),
		});
		res.end(html);
	}

	function createSession(body) {
		checkWidgetParams(body?.widgetParams, state.apiKey);
		const sessionId = crypto.randomBytes(18).toString('base64url');
		if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
		sessions.set(sessionId, {
			widgetParams: structuredClone(body.widgetParams),
			createdAt: Date.now(),
			opened: false,
		});
		const url = new URL(`${baseUrl()}${WIDGET}`);
		url.searchParams.set('apiKey', state.apiKey);
		url.searchParams.set('sessionId', sessionId);
		return { data: { widgetUrl: url.toString() } };
	}

	function openWidget(query, res) {
		const session = sessions.get(query.get('sessionId') ?? '');
		if (!session || query.get('apiKey') !== state.apiKey)
			return sendHtml(res, 404, widgetPage('Unknown widget session', []));
		if (session.opened)
			return sendHtml(res, 410, widgetPage('This widget URL was already used', []));
		if (Date.now() - session.createdAt > SESSION_TTL_MS)
			return sendHtml(res, 410, widgetPage('This widget URL has expired', []));
		session.opened = true;
		const lines = Object.entries(session.widgetParams)
			.filter(([key]) => key !== 'apiKey')
			.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
		return sendHtml(res, 200, widgetPage('Simulated Transak widget', lines));
	}

	const LISTS = new Map([
		[CRYPTO_LIST, cryptoCurrencies],
		[FIAT_LIST, fiatCurrencies],
		[COUNTRY_LIST, countries],
	]);

	/** Answers the request when it is one of these routes; false otherwise. */
	function route(method, path, query, body, req, res) {
		const answer = (run) => {
			try {
				send(res, 200, run());
			} catch (error) {
				if (!(error instanceof RampError)) throw error;
				send(res, error.statusCode, errorBody(error.statusCode, error.message));
			}
			return true;
		};
		if (method === 'GET' && path === QUOTES)
			return answer(() => ({ response: quoteFor(query, state.apiKey) }));
		if (method === 'GET' && LISTS.has(path)) return answer(() => ({ response: LISTS.get(path)() }));
		if (method === 'POST' && path === SESSION) {
			if (!authorized(req)) {
				send(res, 401, errorBody(401, 'Authorization Required'));
				return true;
			}
			return answer(() => createSession(body));
		}
		if (method === 'GET' && path === WIDGET) {
			openWidget(query, res);
			return true;
		}
		return false;
	}

	return {
		route,
		/** Every widget session created, oldest first. */
		get widgetSessions() {
			return [...sessions.entries()].map(([sessionId, s]) => ({ sessionId, ...s }));
		},
	};
}

module.exports = { rampRoutes, SESSION_TTL_MS };
