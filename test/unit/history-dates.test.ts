import { describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { parseRange, parseTimeInput } from '../../src/history/index.ts';
import { alignDown, assertInterval } from '../../src/trading/index.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isTradecacheError(err) ? err.code : 'OTHER';
  }
  return undefined;
}

describe('history date parsing', () => {
  it('reads ISO dates and times as UTC unless an offset is given', () => {
    expect(parseTimeInput('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseTimeInput('2024-03-01T12:30')).toBe(Date.UTC(2024, 2, 1, 12, 30));
    expect(parseTimeInput('2024-03-01T12:30:15.250Z')).toBe(Date.UTC(2024, 2, 1, 12, 30, 15, 250));
    expect(parseTimeInput('2024-03-01T12:30:00+02:00')).toBe(Date.UTC(2024, 2, 1, 10, 30));
    expect(parseTimeInput('2024-03-01T12:30:00-0530')).toBe(Date.UTC(2024, 2, 1, 18, 0));
  });

  it('reads epoch milliseconds as a number or digits', () => {
    expect(parseTimeInput(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTimeInput('1700000000000')).toBe(1_700_000_000_000);
  });

  it('rejects unparsable and impossible times with HISTORY_RANGE_INVALID', () => {
    for (const bad of ['yesterday', '2024-02-30', '2024-13-01', '2024-01-01T25:00', '', -5, 1.5, null]) {
      expect(
        codeOf(() => parseTimeInput(bad)),
        String(bad),
      ).toBe('HISTORY_RANGE_INVALID');
    }
  });

  it('rejects reversed, empty and too long ranges', () => {
    expect(codeOf(() => parseRange('2024-02-01', '2024-01-01'))).toBe('HISTORY_RANGE_INVALID');
    expect(codeOf(() => parseRange('2024-01-01', '2024-01-01'))).toBe('HISTORY_RANGE_INVALID');
    expect(codeOf(() => parseRange('2024-01-01', '2024-03-01', { maxRangeDays: 30 }))).toBe(
      'HISTORY_RANGE_INVALID',
    );
    expect(codeOf(() => parseRange('2015-01-01', '2024-01-01'))).toBe('HISTORY_RANGE_INVALID');
    expect(parseRange('2020-01-01', '2024-01-01')).toEqual({
      start: Date.UTC(2020, 0, 1),
      end: Date.UTC(2024, 0, 1),
    });
  });

  it('rejects unknown intervals with EXCHANGE_INVALID_INTERVAL and tells 1m from 1M', () => {
    expect(codeOf(() => assertInterval('2m'))).toBe('EXCHANGE_INVALID_INTERVAL');
    expect(codeOf(() => assertInterval('1mo'))).toBe('EXCHANGE_INVALID_INTERVAL');
    expect(assertInterval('1M')).toBe('1M');
    expect(alignDown('1M', Date.UTC(2024, 4, 17, 5))).toBe(Date.UTC(2024, 4, 1));
    // Binance weeks open on Monday: 2024-05-13 was a Monday.
    expect(alignDown('1w', Date.UTC(2024, 4, 17, 5))).toBe(Date.UTC(2024, 4, 13));
  });
});
