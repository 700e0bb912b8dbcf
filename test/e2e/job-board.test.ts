import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLoginLink } from '../../src/cli/demo-login.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, watchPage } from '../helpers/browser.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The admin job board (`@bull-board/fastify` at /admin/queues) on a real `start` process: its
 * worker really fails a job, the board shows the failure's stack and retries it.
 */
const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let redis: TestRedis;
let app: TestApp;
let base: string;
let queueName: string;
let failed: Job;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp({ REDIS_URL: redis.url, ADMIN_TOKEN, EXCHANGE: 'simulated' }, { role: 'start' });
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const queue = app.ctx.jobs!.queue;
  queueName = queue.name;
  // A job no definition knows: the worker fails it (unrecoverable), with its stack.
  const job = await queue.add('no-such-job', { symbol: 'BTCUSDT' });
  failed = await waitFor(async () => {
    const fresh = await queue.getJob(job.id!);
    return fresh && (await fresh.getState()) === 'failed' ? fresh : null;
  }, 20_000);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${url}`, { headers, redirect: 'manual' });

describe('job board at /admin/queues', () => {
  it('refuses anonymous callers and non-admins with a JSON error', async () => {
    for (const url of ['/admin/queues', `/admin/queues/api/queues?activeQueue=${queueName}&status=failed`]) {
      const anonymous = await get(url);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED');
    }
    const retry = await fetch(`${base}/admin/queues/api/queues/${queueName}/${failed.id}/retry`, {
      method: 'PUT',
    });
    expect(retry.status).toBe(401);
    expect(await failed.getState()).toBe('failed');

    const apiKey = await app.ctx.sessions.users.addUser('trader1');
    const login = await app.ctx.sessions.authenticator.login('trader1', apiKey, {
      ip: '127.0.0.1',
      userAgent: 't',
    });
    const user = await get('/admin/queues', { authorization: `Bearer ${login!.token}` });
    expect(user.status).toBe(403);
  });

  it("shows an admin the failed job's payload and stack, and retries it", async () => {
    const page = await get('/admin/queues', admin);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('tradecache jobs');

    const listing = await get(
      `/admin/queues/api/queues?activeQueue=${queueName}&status=failed&page=1`,
      admin,
    );
    expect(listing.status).toBe(200);
    const { queues } = (await listing.json()) as {
      queues: Array<{
        name: string;
        jobs: Array<{ id: string; data: unknown; stacktrace: string[]; failedReason: string }>;
      }>;
    };
    const shown = queues.find((q) => q.name === queueName)?.jobs.find((j) => j.id === failed.id);
    expect(shown?.data).toEqual({ symbol: 'BTCUSDT' });
    expect(shown?.failedReason).toContain('unknown job');
    expect(shown?.stacktrace.join('\n')).toMatch(/unknown job[\s\S]*\n\s+at /);

    const before = failed.processedOn ?? 0;
    const retry = await fetch(`${base}/admin/queues/api/queues/${queueName}/${failed.id}/retry`, {
      method: 'PUT',
      headers: admin,
    });
    expect(retry.status).toBe(204);
    const queue = app.ctx.jobs!.queue;
    // Retried means processed again by the worker (and failed again: the job is still unknown).
    const again = await waitFor(async () => {
      const fresh = await queue.getJob(failed.id!);
      // Processed after the retry and finished again (a job read mid-run has no finishedOn yet).
      const rerun =
        fresh && (fresh.processedOn ?? 0) > before && (fresh.finishedOn ?? 0) >= (fresh.processedOn ?? 0);
      return rerun && (await queue.getJobState(failed.id!)) === 'failed' ? fresh : null;
    }, 20_000);
    expect(again.failedReason).toContain('unknown job');

    // Clean removes the job (the board's clean-all keeps jobs younger than its grace time).
    const clean = await fetch(`${base}/admin/queues/api/queues/${queueName}/${failed.id}/clean`, {
      method: 'PUT',
      headers: admin,
    });
    expect(clean.ok).toBe(true);
    expect(await app.ctx.jobs!.queue.getJob(failed.id!)).toBeUndefined();
  });

  it('renders in Chromium for an admin session (the demo link), under its own CSP', {
    timeout: 60_000,
  }, async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const context = await browser.newContext();
      const tab = await context.newPage();
      const watch = await watchPage(tab);
      await tab.goto(await demoLoginLink(app.ctx, base));
      await tab.goto(`${base}/admin/queues`);
      await tab.waitForSelector(`text=${queueName}`, { timeout: 30_000 });
      expect(watch.pageErrors).toEqual([]);
      // The font stylesheet of the board's template is refused on purpose (no third-party origin).
      expect((await watch.cspViolations()).filter((v) => !v.includes('fonts.'))).toEqual([]);
    } finally {
      await browser?.close();
    }
  });
});
