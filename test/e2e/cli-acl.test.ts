import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let admin: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await server?.destroy();
});

describe('tradecache acl', () => {
  it('prints an ACL SETUSER line for the prefix that logs the configured user in, never the password', async () => {
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const env = {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(server.port),
      REDIS_USERNAME: 'desk1-app',
      REDIS_PASSWORD: password,
      REDIS_KEY_PREFIX: 'desk1',
    };
    const text = await runCli(['acl'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^ACL SETUSER desk1-app reset on #[0-9a-f]{64} ~desk1:\* ~\{desk1:bull\}\* resetchannels &desk1:\* \+@all -@dangerous \+info\n$/,
    );
    expect(text.stdout + text.stderr).not.toContain(password);

    const json = await runCli(['acl', '--json'], env);
    const { args } = JSON.parse(json.stdout) as { args: string[] };
    expect(`${args.join(' ')}\n`).toBe(text.stdout);
    await admin.call(args[0] ?? '', ...args.slice(1));
    const user = new Redis({ host: '127.0.0.1', port: server.port, username: 'desk1-app', password });
    try {
      expect(await user.set('desk1:x', '1')).toBe('OK');
      await expect(user.set('desk2:x', '1')).rejects.toThrow(/NOPERM/);
    } finally {
      user.disconnect();
    }
  });

  it('without a configured password prints a placeholder, and covers the shared keys of an empty prefix', async () => {
    const res = await runCli(['acl', '--user', 'shared'], { REDIS_KEY_PREFIX: '' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(
      'ACL SETUSER shared reset on ><password> ~tradecache:* ~{tradecache:bull}* ~cache:symbols:* ~metrics:* resetchannels &tradecache:* +@all -@dangerous +info\n',
    );
    expect(res.stderr).toMatch(/replace ><password>/);
  });

  it('refuses a user name with a space: exit 2, one line', async () => {
    const res = await runCli(['acl', '--user', 'a b'], {});
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
