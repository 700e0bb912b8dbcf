/**
 * The simulated exchange: an HTTP stand-in for Binance spot and USDⓈ-M futures market data.
 */
export type { ActiveFault, FaultControl, FaultMode, FaultSpec } from './faults.ts';
export { FAULT_MODES, validateFault } from './faults.ts';
export type { KlineRow, KlineWindow } from './klines.ts';
export { KlineGenerator, selectOpenTimes } from './klines.ts';
export { BinanceApiError } from './params.ts';
export { PriceModel } from './prices.ts';
export type { SimulatedExchange, SimulatedExchangeOptions } from './server.ts';
export { startSimulatedExchange } from './server.ts';
export type { SymbolDef, Universe } from './universe.ts';
export { buildUniverse } from './universe.ts';
