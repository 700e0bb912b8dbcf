import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Vitest global setup: the CLI tests spawn bin/tradecache.js, which runs dist/. Rebuilt here when
 * dist/ was not built from the current sources (scripts/build.mjs compares a hash of them), so a
 * stale build can neither pass nor fail a test, whether the run came from `npm test` or `npx vitest`.
 */
export default function buildDistIfStale(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
}
