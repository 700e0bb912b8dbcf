export { loadConfig } from './load.ts';
export { redactUrl, SecretScrubber } from './redact.ts';
export type {
  Config,
  ExchangeKind,
  LogLevel,
  RedisConfig,
  RedisMode,
  RedisSource,
  SentinelConfig,
  SymbolsConfig,
} from './types.ts';
export { ENV_VARIABLES } from './variables.ts';
