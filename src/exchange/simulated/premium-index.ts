/**
 * `/fapi/v1/premiumIndex` bodies from the price path. The index is the contract's underlying
 * spot ratio (the same asset walks spot pairs follow); the mark is the contract's own price,
 * which the price model sets at a small, slowly turning deterministic basis to that index.
 * Funding follows Binance's formula F = P + clamp(I − P, ±0.05%) with I = 0.01% per 8 h and P
 * the mean premium of the last funding period; the sim's basis stays inside the clamp band, so
 * F is 0.01% as on a calm real market.
 */
import { formatDecimal } from './decimal.ts';
import { PRICE_STEP_MS, type PriceModel } from './prices.ts';
import type { SymbolDef } from './universe.ts';

const FUNDING_PERIOD_MS = 8 * 3_600_000;
const INTEREST_RATE = 0.0001;
const CLAMP = 0.0005;
const PREMIUM_SAMPLES = 8;
/** Binance prints mark, index and rates with 8 decimals whatever the contract's tick. */
const DECIMALS = 8;

/**
 * Spot value of the contract's underlying at t (frozen once the contract halted), held for each
 * price step like every price of the model, so the index equals the spot pair's price of that step.
 */
function indexPrice(model: PriceModel, def: SymbolDef, t: number): number {
  const at =
    Math.floor((def.haltedAt === null ? t : Math.min(t, def.haltedAt)) / PRICE_STEP_MS) * PRICE_STEP_MS;
  return (model.usd(def.priceAsset, at) * def.unitsPerQuote) / model.usd(def.quoteAsset, at);
}

function premium(model: PriceModel, def: SymbolDef, t: number): number {
  return model.price(def, t) / indexPrice(model, def, t) - 1;
}

/** Funding rate settled at `settledAt`, from the premium over the period before it. */
function fundingRate(model: PriceModel, def: SymbolDef, settledAt: number): number {
  let sum = 0;
  for (let i = 1; i <= PREMIUM_SAMPLES; i++) {
    sum += premium(model, def, settledAt - FUNDING_PERIOD_MS + (FUNDING_PERIOD_MS * i) / PREMIUM_SAMPLES);
  }
  const p = sum / PREMIUM_SAMPLES;
  return p + Math.min(CLAMP, Math.max(-CLAMP, INTEREST_RATE - p));
}

/** The premium index of one futures contract at `now`. */
export function premiumIndexBody(model: PriceModel, def: SymbolDef, now: number): Record<string, unknown> {
  const fmt = (x: number) => formatDecimal(x, DECIMALS);
  const index = indexPrice(model, def, now);
  const head = {
    symbol: def.symbol,
    markPrice: fmt(model.price(def, now)),
    indexPrice: fmt(index),
  };
  if (def.contractType !== 'PERPETUAL') {
    // Delivery contracts have no funding: Binance sends "" and 0.
    const settle = fmt(indexPrice(model, def, Math.floor(now / 60_000) * 60_000));
    return {
      ...head,
      estimatedSettlePrice: settle,
      lastFundingRate: '',
      interestRate: '',
      nextFundingTime: 0,
      time: now,
    };
  }
  const lastSettlement = Math.floor(now / FUNDING_PERIOD_MS) * FUNDING_PERIOD_MS;
  return {
    ...head,
    estimatedSettlePrice: fmt(index),
    lastFundingRate: fmt(fundingRate(model, def, lastSettlement)),
    interestRate: fmt(INTEREST_RATE),
    nextFundingTime: lastSettlement + FUNDING_PERIOD_MS,
    time: now,
  };
}
