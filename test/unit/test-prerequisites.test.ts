import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// scripts/test-prerequisites.mjs (`pretest`) on a PATH made for each case: node, and sometimes
// a stand-in apt-get that records its arguments and "installs" by creating the programs.
const SCRIPT = path.resolve(import.meta.dirname, '../../scripts/test-prerequisites.mjs');
const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];

function binDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tradecache-prereq-'));
  dirs.push(dir);
  symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}

function executable(file: string, body: string): void {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

function run(bin: string, chromium: string) {
  return spawnSync(path.join(bin, 'node'), [SCRIPT], {
    encoding: 'utf8',
    env: { PATH: bin, CHROMIUM_PATH: chromium },
  });
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm test prerequisites', () => {
  it('passes quietly when redis-server and chromium are there', () => {
    const bin = binDir();
    executable(path.join(bin, 'redis-server'), 'exit 0');
    executable(path.join(bin, 'chromium'), 'exit 0');
    const result = run(bin, path.join(bin, 'chromium'));
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('stops with one line naming what to install when it cannot install it', () => {
    const bin = binDir(); // no apt-get: nothing can be installed, root or not
    const result = run(bin, path.join(bin, 'chromium'));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('npm test needs redis-server and chromium');
    expect(lines[0]).toContain('apt-get install -y redis-server chromium');
    expect(lines[0]).toContain('CHROMIUM_PATH');
  });

  it('names only what is missing', () => {
    const bin = binDir();
    executable(path.join(bin, 'chromium'), 'exit 0');
    const result = run(bin, path.join(bin, 'chromium'));
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^npm test needs redis-server: .*apt-get install -y redis-server`$/);
  });

  it(
    isRoot
      ? 'as root, installs the missing Debian packages with apt-get'
      : 'without root, does not run apt-get and says what to install',
    () => {
      const bin = binDir();
      const log = path.join(bin, 'apt-get.log');
      // Records each call; `install` puts the requested programs where the script looks for them.
      executable(
        path.join(bin, 'apt-get'),
        `echo "$DEBIAN_FRONTEND $*" >> ${log}
if [ "$1" = install ]; then
  printf '#!/bin/sh\\n' > ${bin}/redis-server; /bin/chmod +x ${bin}/redis-server
  printf '#!/bin/sh\\n' > ${bin}/chromium; /bin/chmod +x ${bin}/chromium
fi`,
      );
      const result = run(bin, path.join(bin, 'chromium'));
      if (isRoot) {
        expect(result.status, result.stderr).toBe(0);
        expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
          'noninteractive update',
          'noninteractive install -y --no-install-recommends redis-server chromium',
        ]);
        expect(result.stdout).toContain("installing Debian's redis-server and chromium");
      } else {
        expect(result.status).toBe(1);
        expect(() => readFileSync(log)).toThrow();
        expect(result.stderr).toContain('apt-get install -y redis-server chromium');
      }
    },
  );
});
