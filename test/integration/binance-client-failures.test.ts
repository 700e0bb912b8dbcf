import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type TradecacheError } from '../../src/errors.ts';
import { type BinanceClientOptions, createBinanceClient } from '../../src/exchange/binance/index.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

const EXCHANGE_INFO = '/api/v3/exchangeInfo';
const FUTURES_EXCHANGE_INFO = '/fapi/v1/exchangeInfo';
const KLINES = '/api/v3/klines';

let server: ReplayServer;

beforeAll(async () => {
  server = await startReplayServer();
});

afterAll(async () => {
  await server.close();
});

/** Injected clock; moved an hour on after each test so no pause leaks into the next one. */
let clock = 1_700_000_000_000;
afterEach(() => {
  clock += 3_600_000;
});

function client(options: Partial<BinanceClientOptions> = {}) {
  return createBinanceClient({
    spotUrl: server.url,
    futuresUrl: server.url,
    retryBaseMs: 1,
    now: () => clock,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<TradecacheError> {
  try {
    await promise;
  } catch (err) {
    return err as TradecacheError;
  }
  throw new Error('expected the call to fail');
}

describe('retries', () => {
  it('retries 5xx answers and returns the data once Binance recovers', async () => {
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, {
      status: 503,
      body: { code: -1008, msg: 'Server is currently overloaded' },
      times: 2,
    });
    const markets = await client({ maxRetries: 3 }).getMarkets('spot');
    expect(markets).toHaveLength(2);
    expect(server.count(EXCHANGE_INFO) - before).toBe(3);
  });

  it('gives up after maxRetries with EXCHANGE_UNAVAILABLE', async () => {
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, { status: 502, body: '<html>Bad Gateway</html>', times: 3 });
    const err = await rejection(client({ maxRetries: 2 }).getMarkets('spot'));
    expect(err.code).toBe(ErrorCodes.EXCHANGE_UNAVAILABLE);
    expect(err.context).toMatchObject({ status: 502, market: 'spot', endpoint: 'exchangeInfo' });
    expect(err.message).not.toContain('html');
    expect(server.count(EXCHANGE_INFO) - before).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    const before = server.count(KLINES);
    const err = await rejection(
      client({ maxRetries: 3 }).getKlines('spot', { symbol: 'ETHUSDT', interval: '1m' }),
    );
    expect(err.code).toBe(ErrorCodes.EXCHANGE_INVALID_SYMBOL);
    expect(server.count(KLINES) - before).toBe(1);
  });

  it('maps an unreachable exchange to EXCHANGE_UNAVAILABLE', async () => {
    const dead = await startReplayServer();
    const url = dead.url;
    await dead.close();
    const err = await rejection(client({ spotUrl: url, maxRetries: 1 }).getMarkets('spot'));
    expect(err.code).toBe(ErrorCodes.EXCHANGE_UNAVAILABLE);
  });
});

describe('rate limits', () => {
  it('pauses the market on 429 with Retry-After, fails fast without a request, and resumes after', async () => {
    const binance = client({ maxRetries: 3 });
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, {
      status: 429,
      headers: { 'Retry-After': '2' },
      body: {
        code: -1003,
        msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.',
      },
    });
    const first = await rejection(binance.getMarkets('spot'));
    expect(first.code).toBe(ErrorCodes.EXCHANGE_RATE_LIMITED);
    expect(first.context).toMatchObject({ retryAfterSec: 2, binanceCode: -1003, status: 429 });
    // Never retried into the 429.
    expect(server.count(EXCHANGE_INFO) - before).toBe(1);
    expect(binance.weight('spot').pausedUntil).toBe(clock + 2000);

    clock += 500;
    const paused = await rejection(binance.getKlines('spot', { symbol: 'BTCUSDT', interval: '1m' }));
    expect(paused.code).toBe(ErrorCodes.EXCHANGE_RATE_LIMITED);
    expect(paused.context.retryAfterSec).toBe(2);
    clock += 1000;
    const stillPaused = await rejection(binance.getMarkets('spot'));
    expect(stillPaused.context.retryAfterSec).toBe(1);
    expect(server.count(EXCHANGE_INFO) - before).toBe(1);

    // The other market has its own limiter and keeps working.
    await expect(binance.getMarkets('futures')).resolves.toHaveLength(3);

    clock += 600;
    expect(binance.weight('spot').pausedUntil).toBeNull();
    await expect(binance.getMarkets('spot')).resolves.toHaveLength(2);
    expect(server.count(EXCHANGE_INFO) - before).toBe(2);
  });

  it('treats 418 as an IP ban and fails fast with EXCHANGE_IP_BANNED until it ends', async () => {
    const binance = client();
    const before = server.count(FUTURES_EXCHANGE_INFO);
    server.failNext(FUTURES_EXCHANGE_INFO, {
      status: 418,
      headers: { 'Retry-After': '120' },
      body: { code: -1003, msg: 'Way too much request weight used; IP banned until 1700000120000.' },
    });
    const banned = await rejection(binance.getMarkets('futures'));
    expect(banned.code).toBe(ErrorCodes.EXCHANGE_IP_BANNED);
    expect(banned.context.retryAfterSec).toBe(120);
    const again = await rejection(binance.getTickerPrices('futures', 'BTCUSDT'));
    expect(again.code).toBe(ErrorCodes.EXCHANGE_IP_BANNED);
    expect(server.count(FUTURES_EXCHANGE_INFO) - before).toBe(1);
    expect(server.count('/fapi/v1/ticker/price')).toBe(0);
  });

  it('waits out a real one-second Retry-After without an injected clock', async () => {
    const binance = client({ now: Date.now });
    server.failNext(EXCHANGE_INFO, {
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { code: -1003, msg: 'x' },
    });
    await rejection(binance.getMarkets('spot'));
    const until = binance.weight('spot').pausedUntil;
    expect(until).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (until ?? 0) - Date.now()) + 50));
    await expect(binance.getMarkets('spot')).resolves.toHaveLength(2);
  });
});

describe('timeouts and cancellation', () => {
  it('fails with EXCHANGE_TIMEOUT when Binance does not answer in time', async () => {
    server.failNext(EXCHANGE_INFO, { status: 200, body: { symbols: [] }, delayMs: 5_000 });
    const err = await rejection(client({ timeoutMs: 100, maxRetries: 0 }).getMarkets('spot'));
    expect(err.code).toBe(ErrorCodes.EXCHANGE_TIMEOUT);
  });

  it('retries a timed-out request', async () => {
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, { status: 200, body: { symbols: [] }, delayMs: 5_000 });
    await expect(client({ timeoutMs: 100, maxRetries: 1 }).getMarkets('spot')).resolves.toHaveLength(2);
    expect(server.count(EXCHANGE_INFO) - before).toBe(2);
  });

  it('stops with ABORTED when the caller aborts an in-flight request, without retrying', async () => {
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, { status: 200, body: { symbols: [] }, delayMs: 5_000 });
    const controller = new AbortController();
    const pending = client({ maxRetries: 3 }).getMarkets('spot', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await rejection(pending);
    expect(err.code).toBe(ErrorCodes.ABORTED);
    expect(server.count(EXCHANGE_INFO) - before).toBe(1);
  });

  it('stops with ABORTED when the caller aborts during the retry wait', async () => {
    const before = server.count(EXCHANGE_INFO);
    server.failNext(EXCHANGE_INFO, { status: 503, body: { code: -1000, msg: 'unknown' } });
    const controller = new AbortController();
    // Backoff capped high so the wait is certainly running when the abort comes.
    const binance = client({ maxRetries: 3, retryBaseMs: 60_000, retryMaxMs: 60_000 });
    const pending = binance.getMarkets('spot', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await rejection(pending);
    expect(err.code).toBe(ErrorCodes.ABORTED);
    expect(server.count(EXCHANGE_INFO) - before).toBe(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const before = server.count(EXCHANGE_INFO);
    const err = await rejection(client().getMarkets('spot', { signal: AbortSignal.abort() }));
    expect(err.code).toBe(ErrorCodes.ABORTED);
    expect(server.count(EXCHANGE_INFO)).toBe(before);
  });
});
