import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let redis: TestRedis;
let app: TestApp;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    REDIS_COMMAND_TIMEOUT_MS: '200',
    // One window longer than the test: every repeat of a cause is counted, none logged.
    LOG_REPEAT_INTERVAL_SEC: '600',
  });
});
afterAll(async () => {
  await app.close();
  await redis.destroy();
});

interface LogLine {
  level: number;
  msg: string;
  repeated?: number;
}

const WARN = 40;

describe('access log (LOG_REQUESTS=errors, the default)', () => {
  it('writes one line per refused request, none per served one, and samples probes', async () => {
    const from = app.logs.length;
    for (let i = 0; i < 150; i++) await app.http.inject('/health');
    await app.http.inject('/api/v1/symbols/spot');
    await app.http.inject('/no/such/route');
    const lines = app.logs
      .slice(from)
      .map((line) => JSON.parse(line) as LogLine & { path?: string; status?: number });
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
    const access = lines.filter((line) => line.msg === 'request completed');
    expect(access.map((line) => [line.path, line.status])).toEqual([['/no/such/route', 404]]);
  });
});

describe('a Redis outage under load', () => {
  it('writes a bounded number of warning lines per interval, with counts, whatever the traffic', async () => {
    const { http, logs } = app;
    for (const market of ['spot', 'futures']) {
      expect((await http.inject(`/api/v1/symbols/${market}`)).statusCode).toBe(200);
    }
    await redis.stop();
    const from = logs.length;

    const requests = 1_500;
    const routes = [
      '/api/v1/symbols/spot',
      '/api/v1/symbols/futures',
      '/api/v1/backtest/cache/info',
      '/ready',
    ];
    for (let sent = 0; sent < requests; sent += routes.length) {
      await Promise.all(routes.map((url) => http.inject(url)));
    }

    const warnings = () =>
      logs
        .slice(from)
        .map((line) => JSON.parse(line) as LogLine)
        .filter((line) => line.level === WARN);
    // One line per cause (a few dozen at most), not one per request.
    const during = warnings();
    expect(during.length).toBeGreaterThan(0);
    expect(during.length).toBeLessThan(40);

    // The counts come out when the window closes (here: at shutdown of the counter).
    app.ctx.warnings.close();
    const counted = warnings().filter((line) => (line.repeated ?? 0) > 0);
    expect(counted.reduce((sum, line) => sum + (line.repeated ?? 0), 0)).toBeGreaterThan(during.length);
  });
});
