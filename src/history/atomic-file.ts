import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, TradecacheError } from '../errors.ts';

/** Turns a filesystem failure into HISTORY_STORE_FAILED with a message an operator can act on. */
export function storeFailed(dir: string, action: string, cause: unknown): TradecacheError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'the directory is not writable'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'a path component is not a directory'
          : 'the filesystem refused the operation';
  return new TradecacheError(
    ErrorCodes.HISTORY_STORE_FAILED,
    `history store could not ${action} in ${dir}: ${why} (${code})`,
    { context: { dir, errno: code }, cause },
  );
}

/**
 * Writes `data` to `dir/name` so that readers see the old file or the new one, never a part:
 * temp file in the same directory (same filesystem, so rename is atomic), fsync, rename, then
 * fsync of the directory so the rename survives a crash. The temp file is removed on failure.
 */
export async function writeFileAtomic(dir: string, name: string, data: string | Buffer): Promise<void> {
  const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path.join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw storeFailed(dir, `write ${name}`, err);
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Best effort: some filesystems refuse fsync on a directory; the data file itself is synced.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* ignored on purpose */
  }
}
