import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/cli/commands/history.ts';
import { isTradecacheError } from '../../src/errors.ts';
import { BacktestService, HistoryStore } from '../../src/history/index.ts';
import { HistoryFakeExchange } from './history-fake-exchange.ts';

const NOW = Date.UTC(2024, 5, 1);
const ZIP = path.resolve(
  import.meta.dirname,
  '../../../shared/fixtures/binance/data.binance.vision/spot/daily/klines/ADABTC/1m/ADABTC-1m-2021-11-28.zip',
);

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}

describe('tradecache history command', () => {
  let dir: string;
  let exchange: HistoryFakeExchange;
  let opens: number;
  let closes: number;
  let out: ReturnType<typeof sink>;
  let err: ReturnType<typeof sink>;

  const run = (args: string[]) =>
    historyCommand(
      async () => {
        opens++;
        const store = new HistoryStore({ dir, now: () => NOW });
        return {
          store,
          backtest: new BacktestService({ exchange, store, now: () => NOW }),
          close: async () => {
            closes++;
          },
        };
      },
      { out: out.stream, err: err.stream },
    ).parseAsync(args, { from: 'user' });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'history-cli-'));
    exchange = new HistoryFakeExchange(() => NOW);
    opens = 0;
    closes = 0;
    out = sink();
    err = sink();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches a range into the store and does not refetch it on a second run', async () => {
    await run(['fetch', 'btcusdt', '1m', '--from', '2024-01-01', '--to', '2024-01-02T12:00']);
    expect(out.text()).toContain('BTCUSDT 1m spot: 2160 candles stored');
    expect(exchange.calls).toHaveLength(3);
    await run(['fetch', 'BTCUSDT', '1m', '--from', '2024-01-01', '--to', '2024-01-02T12:00']);
    expect(exchange.calls).toHaveLength(3);
    expect(closes).toBe(opens);
  });

  it('imports an archive with symbol and interval from its name, then reports and clears the store', async () => {
    await run(['import', ZIP]);
    expect(out.text()).toContain('imported 1440 candles: ADABTC 1m spot 2021-11-28T00:00:00.000Z');
    await run(['info']);
    const info = JSON.parse(out.text().slice(out.text().indexOf('{')));
    expect(info).toMatchObject({ files: 2, entries: 1, symbols: ['ADABTC'] });
    await run(['clear']);
    expect(out.text()).toContain('removed 2 files');
  });

  it('rejects bad input with a typed error before opening anything', async () => {
    const cases: [string[], string][] = [
      [['fetch', 'BTCUSDT', '2m', '--from', '2024-01-01', '--to', '2024-01-02'], 'EXCHANGE_INVALID_INTERVAL'],
      [['fetch', 'BTCUSDT', '1m', '--from', '2024-01-05', '--to', '2024-01-02'], 'HISTORY_RANGE_INVALID'],
      [['fetch', 'BTCUSDT', '1m', '--from', 'last week', '--to', '2024-01-02'], 'HISTORY_RANGE_INVALID'],
      [['fetch', 'BTC-USDT', '1m', '--from', '2024-01-01', '--to', '2024-01-02'], 'EXCHANGE_INVALID_SYMBOL'],
      [['import', ZIP, '--interval', '7m'], 'EXCHANGE_INVALID_INTERVAL'],
    ];
    for (const [args, code] of cases) {
      const e = await run(args).catch((x: unknown) => x);
      expect(isTradecacheError(e), args.join(' ')).toBe(true);
      expect((e as { code: string }).code, args.join(' ')).toBe(code);
    }
    expect(opens).toBe(0);
  });

  it('refuses an import of a missing file by naming the file, before opening anything', async () => {
    const missing = path.join(dir, 'BTCUSDT-1m-2024-01-01.zip');
    const e = await run(['import', missing]).catch((x: unknown) => x);
    expect(isTradecacheError(e, 'HISTORY_IMPORT_INVALID')).toBe(true);
    expect((e as Error).message).toBe(`cannot read ${missing}: no such file`);
    expect(opens).toBe(0);
  });

  it('asks for --symbol and --interval when the file name does not say them', async () => {
    const e = await run(['import', import.meta.filename]).catch((x: unknown) => x);
    expect(isTradecacheError(e, 'HISTORY_IMPORT_INVALID')).toBe(true);
    expect((e as Error).message).toContain('add --symbol and --interval');
    expect(opens).toBe(0);
  });

  it('prints one line of JSON with --json', async () => {
    await run(['import', ZIP, '--json']);
    expect(JSON.parse(out.text())).toMatchObject({
      rows: 1440,
      symbol: 'ADABTC',
      start: '2021-11-28T00:00:00.000Z',
    });
    await run(['clear', '--json']);
    expect(
      out
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))[1],
    ).toEqual({ removedFiles: 2 });
  });
});
