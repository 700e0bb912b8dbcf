import type { Config } from '../config/types.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { ExchangeClient } from '../trading/index.ts';
import { createBinanceClient } from './binance/index.ts';
import { type SimulatedExchange, startSimulatedExchange } from './simulated/index.ts';

export interface OpenedExchange {
  readonly client: ExchangeClient;
  /** The in-process simulated exchange when `EXCHANGE=simulated`. */
  readonly simulated: SimulatedExchange | null;
  /**
   * WebSocket market-stream bases for `createStreamClient` (binance/streams): the configured
   * ones, or the in-process simulated exchange's when `EXCHANGE=simulated`.
   */
  readonly streamUrls: { readonly spot: string; readonly futures: string };
  close(): Promise<void>;
}

/**
 * The configured exchange: the Binance REST client, pointed at Binance or at a simulated
 * exchange started in this process. Same client code either way.
 */
export async function openExchange(
  config: Config,
  logger: Logger,
  metrics: Metrics,
): Promise<OpenedExchange> {
  let simulated: SimulatedExchange | null = null;
  let urls = { spotUrl: config.exchange.spotUrl, futuresUrl: config.exchange.futuresUrl };
  let streamUrls = { spot: config.exchange.spotStreamUrl, futures: config.exchange.futuresStreamUrl };
  if (config.exchange.kind === 'simulated') {
    simulated = await startSimulatedExchange({});
    urls = { spotUrl: simulated.spotUrl, futuresUrl: simulated.futuresUrl };
    streamUrls = { spot: simulated.spotStreamUrl, futures: simulated.futuresStreamUrl };
    logger.info({ url: simulated.url }, 'simulated exchange started');
  }
  const client = createBinanceClient({ ...urls, timeoutMs: config.exchange.timeoutMs, logger, metrics });
  return {
    client,
    simulated,
    streamUrls,
    close: async () => {
      await simulated?.close();
    },
  };
}
