import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import {
  add,
  compare,
  compareDecimals,
  type Decimal,
  decimalsEqual,
  divide,
  divideDecimals,
  formatDecimalPlaces,
  isDecimalString,
  maxDecimal,
  minDecimal,
  multiply,
  multiplyDecimals,
  normaliseDecimal,
  parseDecimal,
  percentChange,
  rescale,
  subtract,
  subtractDecimals,
  toDecimalString,
  toDecimalStringTrimmed,
} from '../../src/market/decimal/index.ts';

/** Reference math: every value as a BigInt count of 10^-REF units. */
const REF = 40;
const at = (d: Decimal): bigint => d.units * 10n ** BigInt(REF - d.scale);
/** A reference printer independent of toDecimalString: padStart + slice on the digits. */
function refString(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${body}` : body;
}

const unsignedText = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
  .map(([u, s]) => refString(u, s));
const signedText = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
  .map(([u, s]) => refString(u, s));

describe('decimal parsing', () => {
  it('reads the exchange strings exactly', () => {
    expect(parseDecimal('0.33993000')).toEqual({ units: 33_993_000n, scale: 8 });
    expect(parseDecimal('1500')).toEqual({ units: 1500n, scale: 0 });
    expect(parseDecimal('-1.5', { signed: true })).toEqual({ units: -15n, scale: 1 });
  });

  it.each([
    '',
    '.5',
    '5.',
    '1e5',
    '1E-8',
    '+1',
    '-1',
    ' 1',
    '1 ',
    'NaN',
    'Infinity',
    '0x10',
    '1,5',
    '1.2.3',
    '١٢',
    '9'.repeat(65),
    `0.${'1'.repeat(37)}`,
  ])('rejects %j with a validation error naming the field', (text) => {
    let caught: unknown;
    try {
      parseDecimal(text, { field: 'price' });
    } catch (err) {
      caught = err;
    }
    expect(isTradecacheError(caught, 'VALIDATION_FAILED')).toBe(true);
    expect((caught as Error).message).toContain('price must be a plain decimal string');
    expect(isDecimalString(text)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    for (const value of [1.5, null, undefined, {}, 10n]) {
      expect(() => parseDecimal(value as unknown as string)).toThrow(/plain decimal string/);
      expect(isDecimalString(value)).toBe(false);
    }
  });

  it('rejects a double minus and a lone minus even when signed', () => {
    for (const text of ['--1', '-', '-.5', '1-']) {
      expect(() => parseDecimal(text, { signed: true })).toThrow(/signed decimal/);
    }
  });

  it('accepts every plain unsigned string and refuses its negative unless signed', () => {
    fc.assert(
      fc.property(unsignedText, (text) => {
        expect(isDecimalString(text)).toBe(true);
        expect(toDecimalString(parseDecimal(text))).toBe(text);
        expect(isDecimalString(`-${text}`)).toBe(false);
        expect(isDecimalString(`-${text}`, true)).toBe(true);
      }),
    );
  });

  it('prints back what it parsed, trailing zeros kept', () => {
    fc.assert(
      fc.property(signedText, (text) => {
        expect(toDecimalString(parseDecimal(text, { signed: true }))).toBe(text === '-0' ? '0' : text);
      }),
    );
  });
});

describe('decimal arithmetic against BigInt reference math', () => {
  const pair = fc
    .tuple(signedText, signedText)
    .map(([a, b]) => [parseDecimal(a, { signed: true }), parseDecimal(b, { signed: true })]);

  it('compares, adds, subtracts and multiplies exactly', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const x = at(a!);
        const y = at(b!);
        expect(compare(a!, b!)).toBe(x < y ? -1 : x > y ? 1 : 0);
        expect(at(add(a!, b!))).toBe(x + y);
        expect(at(subtract(a!, b!))).toBe(x - y);
        // The product of two REF-scaled values is at scale 2·REF.
        const p = multiply(a!, b!);
        expect(p.units * 10n ** BigInt(2 * REF - p.scale)).toBe(x * y);
      }),
      { numRuns: 500 },
    );
  });

  it('divides rounded half away from zero at the asked places', () => {
    const divisor = signedText.filter((t) => parseDecimal(t, { signed: true }).units !== 0n);
    fc.assert(
      fc.property(signedText, divisor, fc.integer({ min: 0, max: 10 }), (ta, tb, places) => {
        const a = parseDecimal(ta, { signed: true });
        const b = parseDecimal(tb, { signed: true });
        const q = divide(a, b, places);
        expect(q.scale).toBe(places);
        // |q - a/b| <= 1/2 ulp, i.e. |2·q·b - 2·a| <= |b| in a common scale; ties go away from zero.
        const scale = 10n ** BigInt(places);
        const err = 2n * (q.units * at(b) - at(a) * scale);
        const absB = at(b) < 0n ? -at(b) : at(b);
        const absErr = err < 0n ? -err : err;
        expect(absErr <= absB).toBe(true);
        if (absErr === absB) {
          const exactSign = at(a) * at(b) >= 0n ? 1n : -1n;
          expect(err * exactSign * (at(b) < 0n ? -1n : 1n) > 0n).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('throws a validation error on division by zero', () => {
    expect(() => divide(parseDecimal('1'), parseDecimal('0.000'), 2)).toThrow(/division by zero/);
  });

  it('normalises and min/max keep the given strings', () => {
    fc.assert(
      fc.property(signedText, signedText, (a, b) => {
        const n = normaliseDecimal(a);
        expect(decimalsEqual(n, a)).toBe(true);
        expect(n === '0' || !/\.\d*0$/.test(n)).toBe(true);
        expect(n.endsWith('.')).toBe(false);
        const lo = minDecimal(a, b);
        const hi = maxDecimal(a, b);
        expect([a, b]).toContain(lo);
        expect(compareDecimals(lo, hi)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('decimal strings', () => {
  it('treats different paddings of one value as equal', () => {
    expect(compareDecimals('0.10000000', '0.1')).toBe(0);
    expect(compareDecimals('0.33993000', '0.33994')).toBe(-1);
    expect(compareDecimals('10', '9.99999999')).toBe(1);
    expect(normaliseDecimal('1500.00000000')).toBe('1500');
    expect(normaliseDecimal('-0.000')).toBe('0');
    expect(normaliseDecimal('0.00000100')).toBe('0.000001');
  });

  it('trims fraction zeros only past the width asked for, never a significant digit', () => {
    const at16 = multiply(parseDecimal('0.34064000'), parseDecimal('2.00000000'));
    expect(toDecimalStringTrimmed(at16, 8)).toBe('0.68128000');
    expect(toDecimalStringTrimmed(multiply(parseDecimal('0.005773'), parseDecimal('0.045')), 8)).toBe(
      '0.000259785',
    );
    expect(toDecimalStringTrimmed(parseDecimal('5.000'), 0)).toBe('5');
    expect(toDecimalStringTrimmed(parseDecimal('3957.89900'), 8)).toBe('3957.89900');
  });

  it('adds, subtracts and multiplies the values a candle needs without float noise', () => {
    expect(subtractDecimals('0.3', '0.1')).toBe('0.2');
    expect(multiplyDecimals('0.1', '0.2')).toBe('0.02');
    expect(multiplyDecimals('0.33993000', '99.90000000')).toBe('33.959007');
    expect(subtractDecimals('0.1', '0.30')).toBe('-0.20');
  });

  it('divides and formats with documented rounding', () => {
    expect(divideDecimals('2', '3', 4)).toBe('0.6667');
    expect(divideDecimals('-2', '3', 4)).toBe('-0.6667');
    expect(divideDecimals('1', '8', 2)).toBe('0.13');
    expect(divideDecimals('-1', '8', 2)).toBe('-0.13');
    expect(formatDecimalPlaces('1.5', 8)).toBe('1.50000000');
    expect(formatDecimalPlaces('2.345', 2)).toBe('2.35');
    expect(toDecimalString(rescale(parseDecimal('0.005'), 2))).toBe('0.01');
  });

  it('computes a percent change as the ticker prints it (3 places)', () => {
    expect(percentChange('0.34064000', '0.33964000')).toBe('-0.294');
    expect(percentChange('100', '150')).toBe('50.000');
    expect(() => percentChange('0', '1')).toThrow(/division by zero/);
  });
});

describe('parseDecimal against the plain-decimal grammar', () => {
  // The grammar as a regex, the way parseDecimal used to parse: the scanner must agree on
  // every string, valid or not, signed or not, short (the Number fast path) or long.
  const grammar = (signed: boolean) => (signed ? /^(-?)(\d+)(?:\.(\d+))?$/ : /^()(\d+)(?:\.(\d+))?$/);
  function reference(text: string, signed: boolean): Decimal | null {
    const m = text.length <= 64 ? grammar(signed).exec(text) : null;
    if (!m || (m[3] ?? '').length > 36) return null;
    const units = BigInt(m[2]! + (m[3] ?? ''));
    return { units: m[1] === '-' ? -units : units, scale: (m[3] ?? '').length };
  }
  const text = fc.oneof(
    fc.stringMatching(/^-?\d{1,25}(\.\d{0,25})?$/),
    fc.string({ maxLength: 30 }),
    fc.array(fc.constantFrom('0', '9', '5', '.', '-', 'e', ' '), { maxLength: 70 }).map((a) => a.join('')),
  );

  it('parses exactly what the grammar accepts, to the same value', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (t, signed) => {
        const expected = reference(t, signed);
        if (expected === null) {
          expect(() => parseDecimal(t, { signed })).toThrow(/decimal string/);
          expect(isDecimalString(t, signed)).toBe(false);
        } else {
          expect(parseDecimal(t, { signed })).toEqual(expected);
          expect(isDecimalString(t, signed)).toBe(true);
        }
      }),
      { seed: 20261202, numRuns: 5000 },
    );
  });

  it('keeps every digit of values past the Number fast path', () => {
    expect(parseDecimal('123456789012345.6')).toEqual({ units: 1234567890123456n, scale: 1 });
    expect(parseDecimal('99999999999999999999.99999999')).toEqual({
      units: 9999999999999999999999999999n,
      scale: 8,
    });
    expect(parseDecimal('-0.00000001', { signed: true })).toEqual({ units: -1n, scale: 8 });
  });
});
