import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { Kline } from '../trading/index.ts';

/** Header row of stored files: the data.binance.vision column names, in REST array order. */
export const KLINE_CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

/** Timestamps at or above this are microseconds (16 digits); ms values have 13 digits until 2286. */
const MICROS_THRESHOLD = 1e15;

/** Writes candles as CSV with a header row; values are written exactly as received. */
export function formatKlinesCsv(klines: readonly Kline[]): string {
  const lines = new Array<string>(klines.length + 1);
  lines[0] = KLINE_CSV_HEADER;
  for (let i = 0; i < klines.length; i++) {
    const k = klines[i]!;
    lines[i + 1] =
      `${k.openTime},${k.open},${k.high},${k.low},${k.close},${k.volume},${k.closeTime},` +
      `${k.quoteVolume},${k.trades},${k.takerBuyBaseVolume},${k.takerBuyQuoteVolume},${k.ignore}`;
  }
  return `${lines.join('\n')}\n`;
}

function toMs(value: number): number {
  return value >= MICROS_THRESHOLD ? Math.floor(value / 1000) : value;
}

function bad(line: number, why: string): TradecacheError {
  return new TradecacheError(ErrorCodes.HISTORY_IMPORT_INVALID, `kline CSV line ${line}: ${why}`, {
    context: { line },
  });
}

/**
 * Parses kline CSV: stored files and data.binance.vision archives. A first line that does not
 * start with a digit is a header and is skipped (archives have one or not, depending on market
 * and date). Microsecond timestamps (spot archives from 2025) become milliseconds.
 *
 * Hand-rolled instead of csv-parse: the layout is fixed (12 unquoted columns, no escapes), so a
 * scan with indexOf avoids csv-parse's per-character state machine and record objects; loading
 * a year of 1m candles is about 5x faster (bench/history-load.ts).
 */
export function parseKlinesCsv(text: string): Kline[] {
  const out: Kline[] = [];
  const cols = new Array<string>(12);
  let pos = 0;
  let lineNo = 0;
  let seenLine = false;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = len;
    let lineEnd = eol;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--; // CRLF
    lineNo++;
    const first = text.charCodeAt(pos);
    if (lineEnd === pos) {
      pos = eol + 1;
      continue;
    }
    const isFirstLine = !seenLine;
    seenLine = true;
    if (first < 48 || first > 57) {
      if (isFirstLine) {
        pos = eol + 1;
        continue;
      }
      throw bad(lineNo, 'expected a numeric open time');
    }
    let c = 0;
    let start = pos;
    while (c < 11) {
      const comma = text.indexOf(',', start);
      if (comma === -1 || comma >= lineEnd) throw bad(lineNo, `expected 12 columns, got ${c + 1}`);
      cols[c++] = text.slice(start, comma);
      start = comma + 1;
    }
    const last = text.slice(start, lineEnd);
    if (last.includes(',')) throw bad(lineNo, 'expected 12 columns, got more');
    cols[11] = last;
    const openTime = Number(cols[0]);
    const closeTime = Number(cols[6]);
    const trades = Number(cols[8]);
    if (
      !Number.isSafeInteger(openTime) ||
      !Number.isSafeInteger(closeTime) ||
      !Number.isSafeInteger(trades)
    ) {
      throw bad(lineNo, 'open time, close time and count must be integers');
    }
    out.push({
      openTime: toMs(openTime),
      open: cols[1]!,
      high: cols[2]!,
      low: cols[3]!,
      close: cols[4]!,
      volume: cols[5]!,
      closeTime: toMs(closeTime),
      quoteVolume: cols[7]!,
      trades,
      takerBuyBaseVolume: cols[9]!,
      takerBuyQuoteVolume: cols[10]!,
      ignore: cols[11]!,
    });
    pos = eol + 1;
  }
  return out;
}

/**
 * Splits CSV bytes into strings of at most `lines` whole lines each, so a large stored file is
 * decoded and parsed one slice at a time: the file stays a Buffer (outside the JS heap) and only
 * one slice of candles is alive at once.
 */
export function* csvLineSlices(bytes: Buffer, lines: number): Generator<string> {
  let from = 0;
  while (from < bytes.length) {
    let to = from;
    for (let n = 0; n < lines && to < bytes.length; n++) {
      const eol = bytes.indexOf(10, to);
      to = eol === -1 ? bytes.length : eol + 1;
    }
    yield bytes.toString('utf8', from, to);
    from = to;
  }
}

/** {@link parseKlinesCsv} one slice at a time, giving the event loop a turn between slices. */
export async function parseKlinesCsvYielding(bytes: Buffer, sliceLines = 5000): Promise<Kline[]> {
  const out: Kline[] = [];
  for (const text of csvLineSlices(bytes, sliceLines)) {
    for (const k of parseKlinesCsv(text)) out.push(k);
    await yieldToEventLoop();
  }
  return out;
}

/** Lets pending I/O (other requests, health probes) run between slices of CPU work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
