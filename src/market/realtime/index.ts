export { RealtimeBus, type RealtimeListener } from './bus.ts';
export { MarketUpdatePublisher } from './publisher.ts';
export {
  type BookUpdate,
  type CandleUpdate,
  type MarketUpdate,
  type MarketUpdateMessage,
  type PriceUpdate,
  parseUpdateMessage,
  type TradeUpdate,
} from './updates.ts';
