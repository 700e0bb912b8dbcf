import { loadConfig } from '../config/load.ts';
import { SecretScrubber } from '../config/redact.ts';
import { openExchange } from '../exchange/open.ts';
import { openHistory } from '../history/open.ts';
import { createLogger } from '../logger.ts';
import { Metrics } from '../metrics.ts';

/**
 * What `tradecache history ...` needs: the exchange and the kline store, and no Redis (the
 * history store lives on the filesystem). Logs go to stderr so stdout stays the command's output.
 */
export async function openHistoryTools() {
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    scrubber: new SecretScrubber(),
    write: (line) => process.stderr.write(line),
  });
  const exchange = await openExchange(config, logger, new Metrics());
  const { store, backtest } = openHistory(config, exchange.client);
  return { store, backtest, close: () => exchange.close() };
}
