/** Keyv storage adapter on the two-tier cache engine (the `tradecache/keyv` entry). */
export { TradecacheKeyvStore, type TradecacheKeyvStoreOptions } from './store.ts';
