import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { SecretScrubber } from '../../src/config/redact.ts';
import { createStreamClient, type StreamEvent } from '../../src/exchange/binance/streams/index.ts';
import { type OpenedExchange, openExchange } from '../../src/exchange/open.ts';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/metrics.ts';
import { waitFor } from '../helpers/wait.ts';

const opened: OpenedExchange[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});
async function open(env: Record<string, string>) {
  const logger = createLogger({ level: 'silent', scrubber: new SecretScrubber() });
  const o = await openExchange(loadConfig(env), logger, new Metrics({ collectDefault: false }));
  opened.push(o);
  return o;
}

describe('openExchange: stream URLs', () => {
  it('hands out the configured stream bases with the real exchange', async () => {
    const o = await open({ BINANCE_SPOT_STREAM_URL: 'wss://spot.example.invalid' });
    expect(o.streamUrls).toEqual({
      spot: 'wss://spot.example.invalid',
      futures: 'wss://fstream.binance.com',
    });
  });

  it('points the stream bases at the in-process simulated exchange, where a stream client gets prices', async () => {
    const o = await open({ EXCHANGE: 'simulated', BINANCE_SPOT_STREAM_URL: 'wss://ignored.example.invalid' });
    expect(o.streamUrls.spot).toBe(o.simulated!.spotStreamUrl);
    expect(o.streamUrls.futures).toBe(o.simulated!.futuresStreamUrl);
    for (const baseUrl of [o.streamUrls.spot, o.streamUrls.futures]) {
      const client = createStreamClient({ baseUrl });
      const events: StreamEvent[] = [];
      client.on('event', (e) => events.push(e));
      try {
        await client.subscribe(['!miniTicker@arr']);
        await waitFor(() => events.some((e) => e.kind === 'miniTickers'));
      } finally {
        await client.close();
      }
    }
  });
});
