import { describe, expect, it } from 'vitest';
import { ServerClock } from '../../src/exchange/binance/index.ts';

/** A clock the test moves by hand, and one that stands 2.5 s ahead of it for the exchange. */
function setup() {
  let local = 1_700_000_000_000;
  const clock = new ServerClock(() => local);
  const aheadMs = 2_500;
  /** One round trip of `rttMs` whose exchange clock reading happens `atMs` into it. */
  const trip = (rttMs: number, atMs: number) => {
    const sentAt = local;
    const exchangeTime = sentAt + atMs + aheadMs;
    local += rttMs;
    return { sentAt, receivedAt: local, exchangeTime };
  };
  return {
    clock,
    aheadMs,
    trip,
    advance: (ms: number) => {
      local += ms;
    },
    local: () => local,
  };
}

const httpDate = (ms: number) => new Date(ms).toUTCString();

describe('the exchange clock learnt from answers', () => {
  it('knows nothing before the first answer of a market', () => {
    const { clock } = setup();
    expect(clock.offset('spot')).toBeNull();
    expect(clock.serverNow('spot')).toBeNull();
  });

  it('bounds the offset from one Date header to about a second, and never runs ahead of the exchange', () => {
    const t = setup();
    const { sentAt, receivedAt, exchangeTime } = t.trip(40, 25);
    t.clock.observeDateHeader('spot', httpDate(exchangeTime), { sentAt, receivedAt });
    const offset = t.clock.offset('spot');
    expect(offset?.source).toBe('date-header');
    expect(Math.abs((offset?.offsetMs ?? 0) - t.aheadMs)).toBeLessThanOrEqual(offset?.uncertaintyMs ?? 0);
    expect(offset?.uncertaintyMs).toBeLessThanOrEqual(520);
    const now = t.clock.serverNow('spot') ?? 0;
    expect(now).toBeLessThanOrEqual(t.local() + t.aheadMs);
    expect(now).toBeGreaterThan(t.local() + t.aheadMs - 1_100);
    // The other market has its own host and clock.
    expect(t.clock.serverNow('futures')).toBeNull();
  });

  it('sharpens to the round trip with /time, and many Date headers narrow it too', () => {
    const t = setup();
    for (let i = 0; i < 40; i++) {
      const { sentAt, receivedAt, exchangeTime } = t.trip(20, 10);
      t.clock.observeDateHeader('futures', httpDate(exchangeTime), { sentAt, receivedAt });
      t.advance(137); // requests land at different points of the exchange's second
    }
    const fromHeaders = t.clock.offset('futures');
    expect(fromHeaders?.uncertaintyMs).toBeLessThan(100);
    expect(Math.abs((fromHeaders?.offsetMs ?? 0) - t.aheadMs)).toBeLessThanOrEqual(
      fromHeaders?.uncertaintyMs ?? 0,
    );

    const { sentAt, receivedAt, exchangeTime } = t.trip(6, 3);
    t.clock.observeServerTime('futures', exchangeTime, { sentAt, receivedAt });
    const exact = t.clock.offset('futures');
    expect(exact?.source).toBe('server-time');
    expect(exact?.uncertaintyMs).toBeLessThanOrEqual(3);
    expect(Math.abs((exact?.offsetMs ?? 0) - t.aheadMs)).toBeLessThanOrEqual(3);
    expect(t.clock.serverNow('futures')).toBeLessThanOrEqual(t.local() + t.aheadMs);
  });

  it('starts again when a clock is stepped, instead of keeping an impossible offset', () => {
    const t = setup();
    const first = t.trip(10, 5);
    t.clock.observeServerTime('spot', first.exchangeTime, first);
    const stepped = t.trip(10, 5);
    // The exchange's clock jumped 30 s ahead (or ours back).
    t.clock.observeServerTime('spot', stepped.exchangeTime + 30_000, stepped);
    const offset = t.clock.offset('spot');
    expect(Math.abs((offset?.offsetMs ?? 0) - (t.aheadMs + 30_000))).toBeLessThanOrEqual(10);
  });

  it('ignores a missing or unparsable Date header', () => {
    const t = setup();
    const { sentAt, receivedAt } = t.trip(10, 5);
    t.clock.observeDateHeader('spot', null, { sentAt, receivedAt });
    t.clock.observeDateHeader('spot', 'yesterday-ish', { sentAt, receivedAt });
    expect(t.clock.offset('spot')).toBeNull();
  });
});
