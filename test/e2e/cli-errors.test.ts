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
