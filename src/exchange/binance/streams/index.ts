/** Binance WebSocket market streams: typed events over self-healing combined-stream connections. */
export {
  createStreamClient,
  StreamClient,
  type StreamClientOptions,
  type StreamClientStats,
  type StreamStateEvent,
} from './client.ts';
export type { ConnectionState, StateChange } from './connection.ts';
export {
  type AggTrade,
  type BookTicker,
  type DepthLevel,
  type DepthUpdate,
  type KlineEvent,
  type MiniTicker,
  parseStreamPayload,
  type StreamEvent,
  type StreamEventKind,
} from './events.ts';
export {
  ALL_MINI_TICKERS,
  aggTradeStream,
  bookTickerStream,
  depthStream,
  miniTickerStream,
  watchedSymbolStreams,
} from './names.ts';
