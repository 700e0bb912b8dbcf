import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { Kline, KlineInterval, MarketType } from '../trading/index.ts';
import { assertInterval } from '../trading/index.ts';
import { parseKlinesCsv } from './kline-csv.ts';

/** An archive CSV larger than this is refused (a daily 1s file is ~10 MB; this stops zip bombs). */
const MAX_CSV_BYTES = 1024 * 1024 * 1024;

/** What a data.binance.vision file name says about its contents. */
export interface ArchiveFileInfo {
  readonly symbol: string;
  readonly interval: KlineInterval;
  /** Start of the day or month the file holds (epoch ms). */
  readonly start: number;
  /** Exclusive end of that day or month. */
  readonly end: number;
  /** `futures` when the path runs through `futures/um` or `futures/cm`, else null (unknown). */
  readonly market: MarketType | null;
}

const NAME = /^([A-Z0-9]{2,30})-(\w{2,3})-(\d{4})-(\d{2})(?:-(\d{2}))?\.(?:zip|csv)$/;

function importInvalid(message: string, file: string, cause?: unknown): TradecacheError {
  return new TradecacheError(ErrorCodes.HISTORY_IMPORT_INVALID, message, {
    context: { file: path.basename(file) },
    cause,
  });
}

/**
 * Reads `SYMBOL-interval-YYYY-MM-DD.zip` (daily) or `SYMBOL-interval-YYYY-MM.zip` (monthly);
 * the archive spells the month interval `1mo`. Returns null when the name has another shape.
 */
export function parseArchiveFileName(file: string): ArchiveFileInfo | null {
  const m = NAME.exec(path.basename(file));
  if (!m) return null;
  const [, symbol, rawInterval, y, mo, d] = m;
  let interval: KlineInterval;
  try {
    interval = assertInterval(rawInterval === '1mo' ? '1M' : rawInterval);
  } catch {
    return null;
  }
  const year = Number(y);
  const month = Number(mo) - 1;
  const start = d === undefined ? Date.UTC(year, month, 1) : Date.UTC(year, month, Number(d));
  const end = d === undefined ? Date.UTC(year, month + 1, 1) : start + 86_400_000;
  const normalized = file.split(path.sep).join('/');
  const market: MarketType | null = /\/futures\/(um|cm)\//.test(normalized) ? 'futures' : null;
  return { symbol: symbol!, interval, start, end, market };
}

/**
 * Reads the candles of an archive file: a zip holding one CSV, or the CSV itself. Headers,
 * microsecond timestamps and CRLF are handled by the parser.
 */
export async function readArchiveKlines(file: string): Promise<Kline[]> {
  const bytes = file.toLowerCase().endsWith('.zip') ? await readZippedCsv(file) : await readPlain(file);
  return parseKlinesCsv(bytes.toString('utf8'));
}

async function readPlain(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw importInvalid(`cannot read ${path.basename(file)}`, file, err);
  }
}

function readZippedCsv(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (openErr, zip) => {
      if (openErr || !zip) {
        reject(importInvalid(`cannot open zip ${path.basename(file)}`, file, openErr));
        return;
      }
      let found = false;
      zip.on('error', (err) => reject(importInvalid('zip is damaged', file, err)));
      zip.on('end', () => {
        if (!found) reject(importInvalid('zip holds no .csv file', file));
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.toLowerCase().endsWith('.csv') || found) {
          zip.readEntry();
          return;
        }
        found = true;
        if (entry.uncompressedSize > MAX_CSV_BYTES) {
          zip.close();
          reject(importInvalid('csv inside the zip is too large', file));
          return;
        }
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) {
            reject(importInvalid('cannot read the csv inside the zip', file, streamErr));
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', (err) => reject(importInvalid('zip is damaged', file, err)));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
        });
      });
      zip.readEntry();
    });
  });
}
