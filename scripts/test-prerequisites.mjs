#!/usr/bin/env node
// `pretest`: the system programs the tests drive for real. Every test file starts its own
// redis-server, and the dashboard and /docs tests run a headless Chromium (playwright-core,
// which downloads no browser). When one is missing: as root, Debian's packages are installed
// with apt-get; otherwise one line says what to install, and the tests do not start.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

// Same default as test/helpers/browser.ts.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function onPath(program) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missingPackages() {
  const missing = [];
  if (!onPath('redis-server')) missing.push('redis-server');
  if (!executable(chromiumPath)) missing.push('chromium');
  return missing;
}

function aptGet(args) {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

let missing = missingPackages();
if (missing.length > 0 && process.getuid?.() === 0 && onPath('apt-get')) {
  console.log(`npm test: installing Debian's ${missing.join(' and ')} (missing)`);
  if (aptGet(['update']) && aptGet(['install', '-y', '--no-install-recommends', ...missing])) {
    missing = missingPackages();
  }
}
if (missing.length > 0) {
  const elsewhere = missing.includes('chromium')
    ? ` (a Chromium elsewhere: set CHROMIUM_PATH, now ${chromiumPath})`
    : '';
  console.error(
    `npm test needs ${missing.join(' and ')}: install with \`sudo apt-get install -y ${missing.join(' ')}\`${elsewhere}`,
  );
  process.exit(1);
}
