import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('package entry', () => {
  it('points package.json main at a module that exports the public API', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const api = await import(new URL(`../../${pkg.main}`, import.meta.url).href);
    for (const name of [
      'createApp',
      'loadConfig',
      'createCacheEngine',
      'createKeys',
      'SymbolCatalog',
      'HistoryStore',
      'UserSessionCache',
      'TradecacheError',
      'alignDown',
      'startSimulatedExchange',
    ]) {
      expect(typeof api[name], name).toBe('function');
    }
  });
});
