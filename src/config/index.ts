export { loadConfig } from './load.ts';
export { redactUrl, SecretScrubber } from './redact.ts';
export type { Config, RedisConfig, SymbolsConfig, ExchangeKind, LogLevel, RedisSource } from './types.ts';
export { ENV_VARIABLES } from './variables.ts';
