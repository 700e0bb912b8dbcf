import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Secrets generated on first start when the operator configured none (laptop use). */
export interface LocalSecrets {
  authSecret: string;
  /** `kid:base64key` */
  encryptionKeys: string;
}

/**
 * Reads `<dataDir>/secrets.json` (mode 0600), creating it with fresh random secrets the first
 * time. Processes sharing a data dir share the secrets; processes on other hosts must be given
 * AUTH_SECRET and CACHE_ENCRYPTION_KEYS explicitly.
 */
export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>;
    if (typeof parsed.authSecret === 'string' && typeof parsed.encryptionKeys === 'string') {
      return { authSecret: parsed.authSecret, encryptionKeys: parsed.encryptionKeys };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  }
  const secrets: LocalSecrets = {
    authSecret: randomBytes(32).toString('base64url'),
    encryptionKeys: `k${Date.now().toString(36)}:${randomBytes(32).toString('base64')}`,
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return secrets;
}
