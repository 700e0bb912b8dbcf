#!/usr/bin/env node
// Builds the package: src/ to dist/ with tsc (JavaScript + .d.ts), then every file of src/ that is
// not TypeScript (Lua scripts, the dashboard's page, styles and scripts) copied beside its module,
// since those modules find them with `new URL(name, import.meta.url)`.
//
//   node scripts/build.mjs             build now (`npm run build`, and `prepare` on `npm ci`)
//   node scripts/build.mjs --if-stale  build only when dist/ was not built from the current sources
//
// dist/.source-hash records what a build was made from (the sources, the tsconfigs, this script,
// the TypeScript version), so a stale dist/ is rebuilt before tests spawn the CLI, whatever the
// files' timestamps say. The new tree is built aside and swapped in, so a concurrent run of the
// CLI sees either the old dist/ or the new one, never half of each.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const HASH_FILE = '.source-hash';
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

/** Every file under `dir`, as paths relative to it, in a stable order. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

function sourceHash() {
  const hash = createHash('sha256');
  const typescript = createRequire(import.meta.url)('typescript/package.json').version;
  hash.update(`typescript ${typescript}\n`);
  const files = [...INPUTS, ...filesUnder(SRC).map((file) => path.join('src', file))];
  for (const file of files) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(path.join(ROOT, file)));
  }
  return hash.digest('hex');
}

function builtHash() {
  try {
    return readFileSync(path.join(DIST, HASH_FILE), 'utf8').trim();
  } catch {
    return null;
  }
}

function build(hash) {
  const staging = path.join(ROOT, `.dist-build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', staging], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    for (const file of filesUnder(SRC).filter((f) => !f.endsWith('.ts'))) {
      // page.js beside a page.ts would replace the compiled module with the browser script.
      if (existsSync(path.join(staging, file))) {
        throw new Error(`src/${file} has the name of a compiled module: rename one of them`);
      }
      cpSync(path.join(SRC, file), path.join(staging, file));
    }
    writeFileSync(path.join(staging, HASH_FILE), `${hash}\n`);
    const old = `${staging}-old`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(staging, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

try {
  createRequire(import.meta.url).resolve('typescript/package.json');
} catch {
  // `npm ci --omit=dev` runs `prepare` too, without the devDependencies.
  console.error(
    'tradecache: building dist/ needs TypeScript, a devDependency: run `npm ci` with dev dependencies, then `npm prune --omit=dev`',
  );
  process.exit(1);
}
const hash = sourceHash();
if (process.argv.includes('--if-stale') && builtHash() === hash) process.exit(0);
build(hash);
