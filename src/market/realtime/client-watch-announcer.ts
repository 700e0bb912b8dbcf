/**
 * One API process's side of the shared watch list: a symbol's first subscriber here is announced
 * at once (with a nudge to the feed leader), and every heartbeat re-announces all the symbols this
 * process's sockets are subscribed to, so they stay in the list while someone watches them.
 * Bookkeeping only: a Redis error is logged and the next heartbeat tries again.
 */
import type { Logger } from '../../logger.ts';
import type { MarketType } from '../../trading/index.ts';
import type { ClientWatchList } from './client-watch-list.ts';
import type { WebSocketHub } from './hub.ts';

export class ClientWatchAnnouncer {
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;

  constructor(
    private readonly hub: WebSocketHub,
    private readonly list: ClientWatchList,
    private readonly logger: Logger,
    heartbeatMs: number,
  ) {
    this.stopListening = hub.onWatch((market, symbol) => this.send(market, [symbol], true));
    this.timer = setInterval(() => this.refresh(), heartbeatMs);
    this.timer.unref();
  }

  /** Re-announces every symbol this process's sockets watch. */
  refresh(): void {
    const byMarket = new Map<MarketType, string[]>();
    for (const { market, symbol } of this.hub.watchedSymbols()) {
      const symbols = byMarket.get(market) ?? [];
      symbols.push(symbol);
      byMarket.set(market, symbols);
    }
    for (const [market, symbols] of byMarket) this.send(market, symbols, false);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stopListening();
  }

  private send(market: MarketType, symbols: readonly string[], nudge: boolean): void {
    this.list.announce(market, symbols, nudge).catch((err: unknown) => {
      this.logger.warn({ err, market }, 'watched symbols not announced in redis (next heartbeat retries)');
    });
  }
}
