import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

// The assembled app (config from the environment, real Redis, real Fastify), so these tests
// prove what a deployment does; client addresses come from inject's remoteAddress, which is
// what request.ip is without a trusted proxy.
const WRONG_KEY = `tck_${'A'.repeat(43)}`;
let redis: TestRedis;
let dataDir: string;
/** Defaults of the README (10 per user id + address, 30 per address, 60 s). */
let main: TestApp;
/** A 2 s window and 3 failures per user id + address, to see a block end. */
let short: TestApp;
/** Alerts at 12 failures of one user id from all addresses. */
let alerting: TestApp;
const keysSeen: string[] = [WRONG_KEY];

async function start(env: Record<string, string>) {
  return startTestApp({ REDIS_URL: redis.url, TRADECACHE_DATA_DIR: dataDir, ...env });
}

async function addUser(app: TestApp, userId: string) {
  const apiKey = await app.ctx.sessions.users.addUser(userId);
  keysSeen.push(apiKey);
  return apiKey;
}

function login(app: TestApp, userId: string, apiKey: string, remoteAddress: string) {
  return app.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId, apiKey },
    remoteAddress,
  });
}

async function statuses(app: TestApp, userId: string, apiKey: string, addresses: readonly string[]) {
  const codes: number[] = [];
  for (const address of addresses) codes.push((await login(app, userId, apiKey, address)).statusCode);
  return codes;
}

/** `n` copies of `value`: addresses to fail from, or the statuses expected. */
const times = <T>(n: number, value: T): T[] => Array<T>(n).fill(value);

/** A counter or gauge of /metrics without labels, as scraped. */
async function metric(app: TestApp, name: string): Promise<number> {
  const res = await app.http.inject('/metrics');
  expect(res.statusCode).toBe(200);
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  expect(line, name).toBeDefined();
  return Number(line?.split(' ')[1]);
}

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-login-limits-'));
  main = await start({ LOGIN_ALERT_FAILURES_PER_USER: '1000000' });
  short = await start({ LOGIN_FAILURE_WINDOW: '2', LOGIN_FAILURES_PER_USER_ADDRESS: '3' });
  alerting = await start({ LOGIN_ALERT_FAILURES_PER_USER: '12', LOGIN_ALERT_WINDOW: '86400' });
});
afterAll(async () => {
  for (const app of [main, short, alerting]) await app?.close();
  await redis.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a failure streak of one user id', () => {
  it('10 wrong logins for alice from one address stop that address for alice only, not her key elsewhere', async () => {
    const key = await addUser(main, 'alice');
    const bobKey = await addUser(main, 'bob');
    expect(await statuses(main, 'alice', WRONG_KEY, times(10, '198.51.100.1'))).toEqual(times(10, 401));

    expect((await login(main, 'alice', key, '198.51.100.2')).statusCode).toBe(200);
    const blocked = await login(main, 'alice', key, '198.51.100.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await login(main, 'alice', WRONG_KEY, '198.51.100.1')).statusCode).toBe(429);
    // The address is refused for alice, not for everyone behind it.
    expect((await login(main, 'bob', bobKey, '198.51.100.1')).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64: other addresses of that network are stopped, other networks are not', async () => {
    const key = await addUser(main, 'v6user');
    const rotating = Array.from({ length: 10 }, (_, i) => `2001:db8:1:1::${(i + 1).toString(16)}`);
    expect(await statuses(main, 'v6user', WRONG_KEY, rotating)).toEqual(times(10, 401));
    expect((await login(main, 'v6user', key, '2001:db8:1:1:ffff:ffff:ffff:ffff')).statusCode).toBe(429);
    expect((await login(main, 'v6user', key, '2001:db8:1:2::1')).statusCode).toBe(200);
  });

  it('a success resets the streak of its address: 9 failures, success, 9 failures, success', async () => {
    const key = await addUser(main, 'typist');
    for (let round = 0; round < 2; round++) {
      expect(await statuses(main, 'typist', WRONG_KEY, times(9, '198.51.100.3'))).toEqual(times(9, 401));
      expect((await login(main, 'typist', key, '198.51.100.3')).statusCode).toBe(200);
    }
    expect(await statuses(main, 'typist', WRONG_KEY, times(11, '198.51.100.3'))).toEqual([
      ...times(10, 401),
      429,
    ]);
  });

  it('lets the right key in from the failing address once the window has passed', async () => {
    const key = await addUser(short, 'carol');
    let blocked: Awaited<ReturnType<typeof login>> | undefined;
    // Until refused, however slow the machine: the test needs the block, not its timing.
    for (let i = 0; i < 50 && !blocked; i++) {
      const res = await login(short, 'carol', WRONG_KEY, '198.51.100.4');
      if (res.statusCode === 429) blocked = res;
      else expect(res.statusCode).toBe(401);
    }
    expect(blocked?.json().error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(blocked?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await sleep(retryAfter * 1000 + 100);
    expect((await login(short, 'carol', key, '198.51.100.4')).statusCode).toBe(200);
    // And the success ended the streak: the full budget is back.
    expect(await statuses(short, 'carol', WRONG_KEY, times(3, '198.51.100.4'))).toEqual([401, 401, 401]);
  });

  it('counts concurrent guesses exactly: a burst of 40 from one address tries 10 keys', async () => {
    const key = await addUser(main, 'dave');
    const burst = await Promise.all(
      Array.from({ length: 40 }, () => login(main, 'dave', WRONG_KEY, '198.51.100.5')),
    );
    const codes = burst.map((res) => res.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(30);
    expect((await login(main, 'dave', key, '198.51.100.6')).statusCode).toBe(200);
  });

  it("never answers the right key 429 because of other addresses' failures", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 14 }), { minLength: 1, maxLength: 6 }), async (failures) => {
        run += 1;
        const userId = `prop${run}`;
        const key = await addUser(main, userId);
        const address = (i: number) => `203.0.${run}.${i + 1}`;
        for (const [i, n] of failures.entries()) {
          await statuses(main, userId, WRONG_KEY, times(n, address(i)));
        }
        // A fresh address, then each failing one: refused only where that address itself failed 10 times.
        expect((await login(main, userId, key, address(100))).statusCode).toBe(200);
        for (const [i, n] of failures.entries()) {
          expect((await login(main, userId, key, address(i))).statusCode).toBe(n >= 10 ? 429 : 200);
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('failures of one address across user ids', () => {
  it('stops a spray of many user ids from one address, counting failures and not successes', async () => {
    const users = ['nat1', 'nat2', 'nat3', 'nat4', 'nat5'];
    const keys = await Promise.all(users.map((u) => addUser(main, u)));
    // Colleagues behind one NAT address log in: successes cost the address nothing.
    for (const [i, u] of users.entries()) {
      expect((await login(main, u, keys[i] ?? '', '192.0.2.1')).statusCode).toBe(200);
    }
    const spray = [];
    for (let i = 0; i < 60; i++)
      spray.push((await login(main, `sprayed${i}`, WRONG_KEY, '192.0.2.1')).statusCode);
    expect(spray).toEqual([...times(30, 401), ...times(30, 429)]);
    // The sprayed ids and the colleagues still log in from anywhere else.
    expect((await login(main, 'sprayed59', WRONG_KEY, '192.0.2.2')).statusCode).toBe(401);
    expect((await login(main, 'nat1', keys[0] ?? '', '192.0.2.2')).statusCode).toBe(200);
  });

  it('counts a spray of 60 ids from 60 addresses in tradecache_login_failures_total', async () => {
    const before = await metric(alerting, 'tradecache_login_failures_total');
    const codes = [];
    for (let i = 0; i < 60; i++) {
      codes.push((await login(alerting, `wide${i}`, WRONG_KEY, `192.0.3.${i + 1}`)).statusCode);
    }
    expect(codes).toEqual(times(60, 401));
    expect(await metric(alerting, 'tradecache_login_failures_total')).toBe(before + 60);
  });
});

describe('failures of one user id from every address', () => {
  it('raise tradecache_login_lockout_alerts_total and a warning once, but never block the right key', async () => {
    const key = await addUser(alerting, 'erin');
    const addresses = Array.from({ length: 20 }, (_, i) => `192.0.4.${i + 1}`);
    const alerts = () => metric(alerting, 'tradecache_login_lockout_alerts_total');
    const before = await alerts();
    expect(await statuses(alerting, 'erin', WRONG_KEY, addresses.slice(0, 11))).toEqual(times(11, 401));
    expect(await alerts()).toBe(before);
    expect((await login(alerting, 'erin', WRONG_KEY, addresses[11] ?? '')).statusCode).toBe(401);
    expect(await alerts()).toBe(before + 1);
    await statuses(alerting, 'erin', WRONG_KEY, addresses.slice(12));
    expect(await alerts()).toBe(before + 1);

    expect((await login(alerting, 'erin', key, '192.0.4.200')).statusCode).toBe(200);
    expect((await login(alerting, 'erin', key, addresses[0] ?? '')).statusCode).toBe(200);
    const warnings = alerting.logs
      .map((line) => JSON.parse(line) as { level: number; userId?: string; msg: string })
      .filter((entry) => entry.level === 40 && entry.userId === 'erin');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/failed logins/);
  });

  it('never writes an API key, right or wrong, to the logs', () => {
    const log = [main, short, alerting].flatMap((app) => app.logs).join('\n');
    expect(log.length).toBeGreaterThan(0);
    for (const key of keysSeen) expect(log).not.toContain(key);
  });
});
