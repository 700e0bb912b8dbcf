import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay } from '../../backoff.ts';
import { ErrorCodes, isTradecacheError, TradecacheError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import { errorFromResponse, type RequestFacts, withRequestFacts } from './errors.ts';
import type { ExchangeRoundTrip, ServerClock } from './server-clock.ts';
import type { RequestWeightLedger } from './weight-ledger.ts';

/**
 * One GET against Binance, the way a weight-limited public API wants to be called: a timeout
 * per attempt joined with the caller's signal, full-jitter retries only for failures that may
 * pass (network, timeout, 5xx), and never a retry into a 429/418: those pause the market.
 * Every answer from the exchange also teaches the ServerClock the exchange's time (its `Date`
 * header), so callers can order answers that carry no time of their own.
 */

export type QueryValue = string | number | undefined;

export interface TransportSettings {
  readonly baseUrls: { readonly spot: string; readonly futures: string };
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly ledger: RequestWeightLedger;
  readonly clock: ServerClock;
  readonly logger: Logger | undefined;
  readonly metrics: Metrics | undefined;
}

/** Path prefix of each market's REST API. */
const PREFIX = { spot: '/api/v3/', futures: '/fapi/v1/' } as const;

/** Pause when a 429/418 comes without Retry-After: one weight window, or the shortest ban. */
const DEFAULT_PAUSE_SEC = { 429: 60, 418: 120 } as const;

/** Turns a JSON body into T; `trip` says when the answer was asked for and came back, by our clock. */
export type BodyParser<T> = (json: unknown, trip: ExchangeRoundTrip) => T;

type Attempt<T> = { ok: true; value: T } | { ok: false; error: TradecacheError; retryable: boolean };

/** Seconds from a Retry-After header: delta-seconds, or an HTTP date; null when unusable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

function abortedError(facts: RequestFacts, cause?: unknown): TradecacheError {
  return new TradecacheError(
    ErrorCodes.ABORTED,
    `Binance ${facts.market} ${facts.endpoint} aborted by caller`,
    {
      context: { ...facts },
      cause,
    },
  );
}

export class BinanceTransport {
  readonly #s: TransportSettings;

  constructor(settings: TransportSettings) {
    this.#s = settings;
  }

  /** GETs an endpoint and turns the JSON body into T with `parse`; throws TradecacheError. */
  async get<T>(
    facts: RequestFacts,
    query: Record<string, QueryValue>,
    parse: BodyParser<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    try {
      const value = await this.#withRetries(facts, this.#url(facts, query), parse, signal);
      this.#count(facts, 'ok');
      return value;
    } catch (err) {
      this.#count(facts, isTradecacheError(err) ? err.code.replace(/^EXCHANGE_/, '').toLowerCase() : 'error');
      throw err;
    }
  }

  async #withRetries<T>(
    facts: RequestFacts,
    url: string,
    parse: BodyParser<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortedError(facts, signal.reason);
      this.#failIfPaused(facts);
      const result = await this.#attempt(facts, url, parse, signal);
      if (result.ok) return result.value;
      if (!result.retryable || attempt >= this.#s.maxRetries) throw result.error;
      const delayMs = fullJitterDelay(attempt, this.#s.retryBaseMs, this.#s.retryMaxMs);
      this.#s.logger?.warn(
        {
          ...facts,
          attempt: attempt + 1,
          delayMs,
          code: result.error.code,
          status: result.error.context.status,
        },
        'binance request failed, retrying',
      );
      try {
        await sleep(delayMs, undefined, { signal });
      } catch (err) {
        throw abortedError(facts, err);
      }
    }
  }

  /** While a market is paused, calls fail here without touching the network. */
  #failIfPaused(facts: RequestFacts): void {
    const pause = this.#s.ledger.paused(facts.market);
    if (!pause) return;
    const code = pause.banned ? ErrorCodes.EXCHANGE_IP_BANNED : ErrorCodes.EXCHANGE_RATE_LIMITED;
    const reason = pause.banned ? 'IP banned' : 'rate limited';
    throw new TradecacheError(
      code,
      `Binance ${facts.market} ${reason}: paused for ${pause.remainingSec} s more (${facts.endpoint} not sent)`,
      { context: { ...facts, retryAfterSec: pause.remainingSec, pausedUntil: pause.until } },
    );
  }

  async #attempt<T>(
    facts: RequestFacts,
    url: string,
    parse: BodyParser<T>,
    signal: AbortSignal | undefined,
  ): Promise<Attempt<T>> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#s.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    let status: number;
    let headers: Headers;
    let text: string;
    const sentAt = this.#s.now();
    let receivedAt: number;
    try {
      const response = await this.#s.fetch(url, {
        method: 'GET',
        signal: combined,
        headers: { accept: 'application/json' },
      });
      receivedAt = this.#s.now();
      status = response.status;
      headers = response.headers;
      // Reading the body stays under the timeout: a stalled body is a timeout too.
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) return { ok: false, error: abortedError(facts, err), retryable: false };
      const timedOut = timeout.signal.aborted;
      const error = new TradecacheError(
        timedOut ? ErrorCodes.EXCHANGE_TIMEOUT : ErrorCodes.EXCHANGE_UNAVAILABLE,
        timedOut
          ? `Binance ${facts.market} ${facts.endpoint} timed out after ${this.#s.timeoutMs} ms`
          : `Binance ${facts.market} ${facts.endpoint} unreachable (network error)`,
        { context: { ...facts, status: null, binanceCode: null }, cause: err },
      );
      return { ok: false, error, retryable: true };
    } finally {
      clearTimeout(timer);
    }
    this.#s.ledger.observe(facts.market, headers);
    const trip = { sentAt, receivedAt };
    // A 5xx may come from a proxy or load balancer in between, whose clock is not the exchange's.
    if (status < 500) this.#s.clock.observeDateHeader(facts.market, headers.get('date'), trip);
    if (status === 429 || status === 418)
      return { ok: false, error: this.#pause(facts, status, headers, text), retryable: false };
    if (status < 200 || status > 299) {
      return { ok: false, error: errorFromResponse(status, text, facts), retryable: status >= 500 };
    }
    return this.#parse(facts, status, text, parse, trip);
  }

  #pause(facts: RequestFacts, status: 429 | 418, headers: Headers, text: string): TradecacheError {
    const seconds = parseRetryAfter(headers.get('retry-after'), this.#s.now()) ?? DEFAULT_PAUSE_SEC[status];
    const pause = this.#s.ledger.pause(facts.market, seconds, status === 418);
    this.#s.logger?.warn(
      { ...facts, status, retryAfterSec: seconds },
      'binance rate limit hit, pausing market',
    );
    return errorFromResponse(status, text, facts, { retryAfterSec: seconds, pausedUntil: pause.until });
  }

  #parse<T>(
    facts: RequestFacts,
    status: number,
    text: string,
    parse: BodyParser<T>,
    trip: ExchangeRoundTrip,
  ): Attempt<T> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      const error = new TradecacheError(
        ErrorCodes.EXCHANGE_BAD_RESPONSE,
        `Binance ${facts.market} ${facts.endpoint} answered HTTP ${status} with a body that is not JSON`,
        { context: { ...facts, status, binanceCode: null }, cause: err },
      );
      return { ok: false, error, retryable: false };
    }
    try {
      return { ok: true, value: parse(json, trip) };
    } catch (err) {
      if (!isTradecacheError(err)) throw err;
      return { ok: false, error: withRequestFacts(err, facts, status), retryable: false };
    }
  }

  #url(facts: RequestFacts, query: Record<string, QueryValue>): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    const base = this.#s.baseUrls[facts.market].replace(/\/+$/, '');
    const qs = search.toString();
    return `${base}${PREFIX[facts.market]}${facts.endpoint}${qs ? `?${qs}` : ''}`;
  }

  #count(facts: RequestFacts, outcome: string): void {
    this.#s.metrics?.exchangeRequests.inc({ market: facts.market, endpoint: facts.endpoint, outcome });
  }
}
