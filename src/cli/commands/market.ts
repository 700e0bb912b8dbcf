import { Command } from 'commander';
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { LiveMarket } from '../../market/live-market.ts';
import { assertMarket, MARKET_TYPES, type MarketType } from '../../trading/index.ts';
import { exchangeOption } from '../exchange-choice.ts';
import { jsonOption, printResult } from '../output.ts';

/**
 * Opens what the command needs (Redis and the live market) and how to close it; `exchange` is
 * the `--exchange` flag, when given.
 */
export type OpenLiveMarket = (options: { exchange?: string }) => Promise<{
  market: LiveMarket;
  close(): Promise<void>;
}>;

const SYMBOL = /^[A-Z0-9]{2,30}$/;
/** How often `market watch` reads the price: a poll is one GET, cheap next to the feed. */
const WATCH_POLL_MS = 250;

function checkSymbol(raw: string): string {
  if (!SYMBOL.test(raw)) {
    throw new TradecacheError(
      ErrorCodes.VALIDATION_FAILED,
      `bad symbol "${raw.slice(0, 40)}": expected ^[A-Z0-9]{2,30}$`,
    );
  }
  return raw;
}

/** What `GET /api/v1/cache/market-data/:symbol` answers, read through the live market. */
export async function marketDataAnswer(
  live: LiveMarket,
  market: MarketType,
  symbol: string,
  now = Date.now(),
) {
  const s = await live.data[market].getSnapshot(symbol);
  if (!s.price && !s.bookTicker && !s.orderBook && !s.trade && !s.stats24h && !s.premiumIndex) return null;
  const ageMs = s.price ? Math.max(0, now - s.price.time) : null;
  return { ...s, fresh: ageMs !== null && ageMs <= live.options.freshMs, ageMs };
}

/**
 * `tradecache market <symbol> [--market]` prints the cached market data of a symbol (as the
 * market-data route answers it); `tradecache market watch <symbol>` prints each new price as
 * it arrives, until Ctrl-C.
 */
export function marketCommand(open: OpenLiveMarket): Command {
  return new Command('market')
    .description('print the cached market data of a symbol, or `market watch <symbol>` to follow its price')
    .argument('<symbol>', 'symbol (BTCUSDT), or `watch`')
    .argument('[watched]', 'with `watch`: the symbol to follow')
    .option('--market <market>', `one of ${MARKET_TYPES.join(', ')}`, 'spot')
    .addOption(jsonOption())
    .addOption(exchangeOption())
    .action(async (first: string, second: string | undefined, options: MarketOptions) => {
      const market = assertMarket(options.market);
      const watching = first === 'watch';
      if (watching && second === undefined) {
        throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, 'usage: tradecache market watch <symbol>');
      }
      const symbol = checkSymbol(watching ? (second ?? '') : first);
      const { market: live, close } = await open({
        ...(options.exchange ? { exchange: options.exchange } : {}),
      });
      try {
        if (watching) await watch(live, market, symbol, options.json);
        else {
          const answer = await marketDataAnswer(live, market, symbol);
          if (!answer) {
            throw new TradecacheError(ErrorCodes.NOT_FOUND, `nothing cached for ${symbol} (${market})`);
          }
          printResult(options, answer);
        }
      } finally {
        await close();
      }
    });
}

interface MarketOptions {
  market: string;
  json: boolean;
  exchange?: string;
}

async function watch(live: LiveMarket, market: MarketType, symbol: string, json: boolean): Promise<void> {
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let last = -1;
  try {
    while (!stop) {
      const p = await live.data[market].getPrice(symbol);
      if (p && p.time !== last) {
        last = p.time;
        // --json: one object a line (NDJSON), the price still the exchange's decimal string.
        process.stdout.write(
          json
            ? `${JSON.stringify({ symbol, market, price: p.price, time: p.time })}\n`
            : `${new Date(p.time).toISOString()} ${symbol} ${p.price}\n`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
