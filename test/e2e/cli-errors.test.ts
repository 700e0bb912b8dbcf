import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('tradecache CLI errors', () => {
  it('stops with exit 2 and one line naming an invalid variable', async () => {
    const result = await runCli(['start'], { PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT');
  });

  it('ping exits 1 with the reason and never prints the password', async () => {
    const result = await runCli(['ping'], { REDIS_URL: 'redis://:s3cretpassword@127.0.0.1:1/0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0/);
    expect(result.stdout + result.stderr).not.toContain('s3cretpassword');
  });

  it('refuses an unknown market with exit 2', async () => {
    const result = await runCli(['warmup', 'options'], { REDIS_URL: 'redis://127.0.0.1:1/0' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('allowed values are spot, futures');
  });

  it('exits 2 with one line naming the problem for every usage error, at any depth', async () => {
    // Nothing here may reach Redis: port 1 refuses, so a command that got past its checks exits 1.
    const env = { REDIS_URL: 'redis://127.0.0.1:1/0' };
    const cases: [string[], string][] = [
      [['bogus'], "unknown command 'bogus'"],
      [['history', 'fetch', 'BTCUSDT', '1m'], "required option '--from <time>' not specified"],
      [
        ['history', 'fetch', 'BTCUSDT', '1m', '--from', '2024-01-01', '--to', '2024-02-01', '--market', 'x'],
        'spot, futures',
      ],
      [
        ['history', 'fetch', 'BTC-USDT', '1m', '--from', '2024-01-01', '--to', '2024-02-01'],
        'symbol: expected 2-30',
      ],
      [['users', 'add'], "missing required argument 'userId'"],
      [['users', 'add', 'bad:id'], 'user id: expected 1-64 characters'],
      [['users', 'list', '--bogus'], "unknown option '--bogus'"],
      [['market', 'BTCUSDT', '--market', 'options'], 'allowed values are spot, futures'],
      [['market', 'watch'], 'usage: tradecache market watch <symbol>'],
      [['alerts', 'list', 'bob', '--status', 'x'], '--status: expected one of active'],
      [['warmup', 'spot', '--exchange', 'kraken'], 'binance, simulated'],
      [['history', 'import', '/nonexistent.zip'], 'cannot read /nonexistent.zip: no such file'],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(args, env, 60_000);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toContain(expected);
      expect(result.stdout, args.join(' ')).toBe('');
    }
  }, 240_000);

  it('prints help for every command', async () => {
    const top = await runCli(['--help'], {});
    expect(top.code).toBe(0);
    for (const command of ['start', 'api', 'worker', 'demo', 'ping', 'warmup'])
      expect(top.stdout).toContain(command);
    const warmup = await runCli(['warmup', '--help'], {});
    expect(warmup.code).toBe(0);
    expect(warmup.stdout).toContain('<market>');
  });
});
