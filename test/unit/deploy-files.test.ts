import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ENV_VARIABLES } from '../../src/config/variables.ts';

// What operators rely on in the deployment files (Dockerfile, compose.yaml, deploy/,
// scripts/install.sh): names that the code really reads, secrets that never sit in a file,
// health checks that probe what they claim. Nothing here needs Docker or the network.

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: {
    test?: string | string[];
    disable?: boolean;
    interval?: string;
    timeout?: string;
    retries?: number;
  };
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, unknown>;
  container_name?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; external?: boolean; driver?: string } | null>;
}

const composeText = read('compose.yaml');
const compose = parse(composeText) as ComposeFile;
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};
const environment = (svc: ComposeService): Record<string, string> => {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
};
const words = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);

/** The commands of the real `tradecache` program (start, api, worker, ...). */
const CLI_COMMANDS = buildProgram().commands.map((c) => c.name());

const DOCUMENTED = new Set(ENV_VARIABLES.map((v) => v.name));
/**
 * True when tradecache reads `name`: listed in src/config/variables.ts, or (for variables the
 * loader validates but the list does not carry yet, such as AUTH_SECRET) rejected by
 * loadConfig when given a nonsense value, with an error naming it.
 */
function readByConfig(name: string): boolean {
  if (DOCUMENTED.has(name)) return true;
  try {
    loadConfig({ [name]: 'x' });
    return false;
  } catch (err) {
    return (err as Error).message.includes(name);
  }
}

/** `${NAME:?message}`: compose stops with the message when NAME is unset or empty. */
const REQUIRED_REF = /^\$\{([A-Z_][A-Z0-9_]*):\?[^}]+\}$/;
/** `${NAME:-}`: empty when unset. Only REDIS_PASSWORD may be left out (Redis then has none). */
const OPTIONAL_REF = /^\$\{([A-Z_][A-Z0-9_]*):-\}$/;
const OPTIONAL_SECRETS = ['REDIS_PASSWORD'];
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|_KEYS?$|_AUTH$/;
const OPERATOR_SECRETS = ['AUTH_SECRET', 'ADMIN_TOKEN', 'CACHE_ENCRYPTION_KEYS'];

/** A service's environment as the container sees it with an empty .env (`${X:-d}` -> d). */
function resolvedEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1')]),
  );
}

function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

/** `.env.example` keys, set (`KEY=`) or shown commented out (`#KEY=8000`). */
function envExample(): Map<string, { value: string; commented: boolean }> {
  const entries = new Map<string, { value: string; commented: boolean }>();
  for (const line of read('deploy/.env.example').split('\n')) {
    const match = /^(#?)([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) entries.set(match[2]!, { value: match[3]!, commented: match[1] === '#' });
  }
  return entries;
}

describe('compose.yaml', () => {
  it('gives api and worker only variables that tradecache reads', () => {
    for (const name of ['api', 'worker']) {
      const names = Object.keys(environment(service(name)));
      expect(names.length, name).toBeGreaterThan(0);
      for (const variable of names) expect(readByConfig(variable), `${name}: ${variable}`).toBe(true);
    }
  });

  it('holds no literal secret: each is a reference compose requires to be set', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(environment(svc))) {
        if (OPTIONAL_SECRETS.includes(variable)) expect(value, `${name}: ${variable}`).toMatch(OPTIONAL_REF);
        else if (SECRET_NAME.test(variable)) expect(value, `${name}: ${variable}`).toMatch(REQUIRED_REF);
        // Credentials inside a URL: the password part must be a reference too.
        const credentials = /:\/\/[^/@\s]*:([^@\s]+)@/.exec(value);
        if (credentials) expect(credentials[1], `${name}: ${variable}`).toMatch(REQUIRED_REF);
      }
    }
    // Nothing that looks like a generated secret anywhere (commands, health checks...).
    for (const text of allStrings(compose)) {
      const outsideRefs = text.replace(/\$\{[^}]*\}/g, '');
      for (const run of outsideRefs.match(/[A-Za-z0-9+/=_-]{24,}/g) ?? []) {
        expect(/\d/.test(run) && /[A-Za-z]/.test(run), `looks like a secret: ${run.slice(0, 6)}...`).toBe(
          false,
        );
      }
      // A password on a command line shows in `ps` to every user of the host.
      expect(outsideRefs).not.toMatch(/--requirepass|redis-cli\s.*-a\s/);
    }
  });

  it('refuses to start without each operator secret, and the example .env names them all', () => {
    const required = new Set<string>();
    // `$${X}` is the container shell's variable (compose turns `$$` into `$`), not compose's.
    for (const match of composeText.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*):\?([^}]*)\}/g)) {
      expect(match[2]!.trim(), `${match[1]} needs a message`).not.toBe('');
      required.add(match[1]!);
    }
    for (const secret of OPERATOR_SECRETS) expect(required, secret).toContain(secret);
    const api = environment(service('api'));
    for (const secret of ['AUTH_SECRET', 'ADMIN_TOKEN', 'CACHE_ENCRYPTION_KEYS']) {
      expect(api[secret], secret).toMatch(REQUIRED_REF);
      expect(environment(service('worker'))[secret], secret).toBe(api[secret]);
    }
    // The worker and the API reach the Redis of the redis service, with its password (none when
    // it is empty: the config then sends no AUTH, as the server then requires none).
    for (const name of ['api', 'worker']) {
      const env = environment(service(name));
      expect(env, name).toMatchObject({ REDIS_HOST: 'redis', REDIS_PORT: '6379', REDIS_DB: '0' });
      expect(env.REDIS_PASSWORD, name).toBe(environment(service('redis')).REDIS_PASSWORD);
      expect(env.REDIS_URL, `${name}: REDIS_URL would win over REDIS_HOST`).toBeUndefined();
    }
    const redisEnv = (password: string) => {
      const { REDIS_HOST, REDIS_PORT, REDIS_DB } = resolvedEnv(api);
      return { REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_PASSWORD: password };
    };
    expect(loadConfig(redisEnv('')).redis.url).toBe('redis://redis:6379/0');
    expect(loadConfig(redisEnv('ab12')).redis.url).toBe('redis://:ab12@redis:6379/0');

    const example = envExample();
    for (const name of required) {
      // Empty in the example: a copy that was not filled in stops compose, not a weak secret.
      expect(example.get(name), `deploy/.env.example: ${name}`).toEqual({ value: '', commented: false });
    }
    // Every other `${VAR}` the file uses is shown too, and nothing in the example is ignored.
    for (const match of composeText.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)) {
      expect(example.has(match[1]!), `deploy/.env.example: ${match[1]}`).toBe(true);
    }
    for (const name of example.keys()) expect(readByConfig(name), `deploy/.env.example: ${name}`).toBe(true);
  });

  it('starts api and worker only once redis is healthy, and redis answers ping with its password', () => {
    for (const name of ['api', 'worker']) {
      const deps = service(name).depends_on;
      expect(Array.isArray(deps), `${name}: depends_on needs a condition`).toBe(false);
      expect((deps as Record<string, { condition?: string }>).redis?.condition, name).toBe('service_healthy');
    }
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7/);
    const probe = words(redis.healthcheck?.test).join(' ');
    expect(probe).toContain('redis-cli');
    expect(probe).toMatch(/\bping\b/);
    // redis-cli authenticates from REDISCLI_AUTH, set from the password the server requires
    // (test/integration/compose-redis.test.ts runs both scripts against a real redis-server).
    expect(probe).toMatch(/REDISCLI_AUTH="\$\$REDIS_PASSWORD"/);
    const script = words(redis.command).join('\n');
    expect(script).toMatch(/if \[ -n "\$\$REDIS_PASSWORD" \]; then\s+printf 'requirepass/);
    expect(script).toMatch(/--appendonly yes/);
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('checks Redis health every 10 s with a 5 s timeout and 5 retries, as the seeds do', () => {
    expect(service('redis').healthcheck).toMatchObject({ interval: '10s', timeout: '5s', retries: 5 });
  });

  it('names the Redis container and publishes its port on 127.0.0.1 only', () => {
    expect(service('redis').container_name).toBe('tradecache-redis');
    expect(service('redis').ports).toEqual(['127.0.0.1:6379:6379']);
    // No other service publishes Redis, and the API port stays as it is.
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name !== 'redis') expect(svc.ports ?? [], name).not.toContainEqual(expect.stringMatching(/:6379$/));
    }
  });

  it('puts every service on one private network of its own name', () => {
    const networks = Object.entries(compose.networks ?? {});
    expect(networks).toHaveLength(1);
    const [key, network] = networks[0]!;
    expect(network?.name).toBe('tradecache-network');
    expect(network?.external ?? false).toBe(false);
    for (const [name, svc] of Object.entries(compose.services)) {
      const joined = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
      expect(joined, name).toEqual([key]);
    }
  });

  it('runs the real api and worker commands, with /ready as the API health check', () => {
    expect(words(service('api').command)).toEqual(['api']);
    expect(words(service('worker').command)).toEqual(['worker']);
    for (const name of ['api', 'worker']) expect(CLI_COMMANDS).toContain(words(service(name).command)[0]);

    const apiCheck = words(service('api').healthcheck?.test).join(' ');
    expect(apiCheck).toContain('/ready');
    expect(service('api').ports?.some((p) => p.endsWith(':8000'))).toBe(true);
    // The worker serves no HTTP: inheriting the image's /ready check would mark it unhealthy.
    const workerCheck = words(service('worker').healthcheck?.test);
    expect(workerCheck.length).toBeGreaterThan(0);
    expect(workerCheck.join(' ')).not.toMatch(/https?:|\/ready/);
    if (workerCheck.includes('bin/tradecache.js')) {
      expect(CLI_COMMANDS).toContain(workerCheck[workerCheck.indexOf('bin/tradecache.js') + 1]);
    }
  });

  it('keeps the data dir of api and worker on a volume', () => {
    for (const name of ['api', 'worker']) {
      const dataDir = environment(service(name)).TRADECACHE_DATA_DIR;
      expect(dataDir, name).toBeDefined();
      expect(
        service(name).volumes?.some((v) => v.endsWith(`:${dataDir}`)),
        name,
      ).toBe(true);
    }
  });
});

/** Dockerfile instructions with their continuation lines joined, comments dropped. */
function dockerfile(): Array<{ op: string; args: string }> {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const op = line.split(/\s/, 1)[0] ?? '';
      return { op: op.toUpperCase(), args: line.slice(op.length).trim() };
    });
}
const instructions = dockerfile();
const last = (op: string) => instructions.filter((i) => i.op === op).at(-1)?.args;

describe('Dockerfile', () => {
  it('runs `node bin/tradecache.js` with a command the CLI has', () => {
    // The young-generation size the feed is tuned for (see bin/tradecache.js).
    expect(JSON.parse(last('ENTRYPOINT') ?? 'null')).toEqual([
      'node',
      '--max-semi-space-size=64',
      'bin/tradecache.js',
    ]);
    const cmd = JSON.parse(last('CMD') ?? 'null') as string[];
    expect(cmd).toEqual(['start']);
    expect(CLI_COMMANDS).toContain(cmd[0]);
  });

  it('runs dist/ built in a stage of its own, with production dependencies only and no tsx', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(read('bin/tradecache.js')).toContain("from '../dist/");
    expect(read('bin/tradecache.js')).not.toContain('tsx');
    expect(pkg.dependencies?.tsx, 'tsx is for tests and benches only').toBeUndefined();
    // The build stage: every dependency (TypeScript), `prepare` builds dist/.
    const build = instructions.find((i) => i.op === 'FROM' && /\bAS\s+build$/i.test(i.args));
    expect(build, 'a FROM ... AS build stage').toBeDefined();
    expect(
      instructions.some((i) => i.op === 'RUN' && /^npm ci\b(?!.*--omit)(?!.*--ignore-scripts)/.test(i.args)),
    ).toBe(true);
    // The runtime's node_modules: production only; --ignore-scripts, since `prepare` needs TypeScript.
    expect(
      instructions.some(
        (i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args) && /--ignore-scripts/.test(i.args),
      ),
    ).toBe(true);
    expect(
      instructions.some((i) => i.op === 'COPY' && /^--from=build\s+\S*dist\s+\.\/dist$/.test(i.args)),
    ).toBe(true);
    expect(instructions.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(2);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
  });

  it('runs as a non-root user, with NODE_ENV=production and the data dir as a volume', () => {
    expect(last('USER')).toBeDefined();
    expect(last('USER')).not.toMatch(/^(root|0)(:|$)/);
    const env = instructions
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    const dataDir = /\bTRADECACHE_DATA_DIR=(\S+)/.exec(env)?.[1];
    expect(dataDir).toBeDefined();
    expect(JSON.parse(last('VOLUME') ?? '[]')).toContain(dataDir);
  });

  it('copies sources that exist and that .dockerignore lets through, and keeps secrets out', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['.env', 'node_modules', '.git', '.tradecache', 'scratch']) {
      expect(ignored, entry).toContain(entry);
    }
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'bin', 'src']));
    const rootEntries = readdirSync(ROOT);
    for (const source of sources) {
      expect(rootEntries, source).toContain(source);
      expect(ignored, source).not.toContain(source);
    }
  });
});

describe('health checks', () => {
  // A stand-in for the API: /ready answers `status`. The checks are run as written.
  let server: Server;
  let status = 200;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/ready' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const runCheck = (argv: string[]) =>
    new Promise<number | null>((resolve) => {
      expect(argv[0]).toBe('node');
      const child = spawn(process.execPath, argv.slice(1), {
        env: { PATH: process.env.PATH ?? '', PORT: String(port) },
        stdio: 'ignore',
      });
      child.on('exit', (code) => resolve(code));
    });
  const checks = () => {
    const fromDockerfile = /\bCMD\s+(\[.*\])$/.exec(last('HEALTHCHECK') ?? '')?.[1];
    const composeTest = words(service('api').healthcheck?.test);
    return {
      Dockerfile: JSON.parse(fromDockerfile ?? 'null') as string[],
      'compose api': composeTest.slice(composeTest[0] === 'CMD' ? 1 : 0),
    };
  };

  it('pass while /ready answers 200 and fail on 503', async () => {
    for (const [where, argv] of Object.entries(checks())) {
      expect(argv.join(' '), where).toContain('/ready');
      status = 200;
      expect(await runCheck(argv), `${where} with /ready 200`).toBe(0);
      status = 503;
      expect(await runCheck(argv), `${where} with /ready 503`).toBe(1);
    }
  });
});

describe('scripts/install.sh', () => {
  const script = path.join(ROOT, 'scripts/install.sh');
  const bash = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
  const temp: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tradecache-install-'));
    temp.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });
  const install = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(bash, [script, ...args], { encoding: 'utf8', env, timeout: 20_000 });

  it('is valid bash', () => {
    const result = spawnSync(bash, ['-n', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('--dry-run --prefix prints every step of the plan and touches nothing', () => {
    const prefix = tempDir();
    const result = install(['--dry-run', '--prefix', prefix]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    for (let step = 1; step <= 8; step++) expect(out).toContain(`[${step}/8]`);
    expect(out).toMatch(/node \d+\.\d+\.\d+ at /);
    expect(out).toContain('redis-server');
    expect(out).toMatch(/useradd --system .*tradecache/);
    expect(out).toContain(`${prefix}/var/lib/tradecache`);
    expect(out).toContain(`${prefix}/opt/tradecache`);
    expect(out).toMatch(/npm ci --prefix \S+ --no-audit/);
    expect(out).toMatch(/npm prune .*--omit=dev/);
    expect(out).toContain(`${prefix}/etc/tradecache/env (mode 0600)`);
    expect(out).toContain(`${prefix}/etc/systemd/system/tradecache.service`);
    expect(out).toContain('systemctl enable --now tradecache');
    expect(readdirSync(prefix)).toEqual([]);
  });

  it('stops with a clear message when Node.js is missing or older than 20', () => {
    const noNode = install(['--dry-run', '--prefix', tempDir()], { PATH: tempDir() });
    expect(noNode.status).toBe(1);
    expect(noNode.stderr).toMatch(/Node\.js 20 or newer is required and no `node` is on PATH/);

    const oldNodeDir = tempDir();
    writeFileSync(path.join(oldNodeDir, 'node'), '#!/bin/sh\necho 18.19.1\n');
    chmodSync(path.join(oldNodeDir, 'node'), 0o755);
    const oldNode = install(['--dry-run', '--prefix', tempDir()], { PATH: oldNodeDir });
    expect(oldNode.status).toBe(1);
    expect(oldNode.stderr).toMatch(/Node\.js 20 or newer is required; .*node is 18\.19\.1/);
  });

  /** `KEY=value` lines of an env file (comments skipped). */
  const envLines = (text: string) =>
    Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

  it('--compose writes the .env of compose.yaml with generated secrets, once', () => {
    const dir = tempDir();
    const first = install(['--compose', '--dir', dir]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const envPath = path.join(dir, '.env');
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
    const text = readFileSync(envPath, 'utf8');
    const env = envLines(text);
    expect(Object.keys(env).sort()).toEqual([
      'ADMIN_TOKEN',
      'AUTH_SECRET',
      'CACHE_ENCRYPTION_KEYS',
      'REDIS_PASSWORD',
    ]);
    // Seed 003: at least 24 random characters; hex, so it needs no escaping in a URL or redis.conf.
    expect(env.REDIS_PASSWORD).toMatch(/^[0-9a-f]{24,}$/);
    expect(env.ADMIN_TOKEN).toMatch(/^[0-9a-f]{32,}$/);
    // Every variable is one compose.yaml reads, and tradecache accepts the values.
    for (const name of Object.keys(env)) expect(composeText, name).toContain(`\${${name}:`);
    expect(() => loadConfig({ ...env, REDIS_HOST: 'redis' })).not.toThrow();
    // Never shown.
    for (const value of Object.values(env)) expect(first.stdout).not.toContain(value);

    const second = install(['--compose', '--dir', dir]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('exists: kept as it is');
    expect(readFileSync(envPath, 'utf8')).toBe(text);

    // Another install gets other secrets.
    const elsewhere = tempDir();
    expect(install(['--compose', '--dir', elsewhere]).status).toBe(0);
    expect(envLines(readFileSync(path.join(elsewhere, '.env'), 'utf8')).REDIS_PASSWORD).not.toBe(
      env.REDIS_PASSWORD,
    );
  });

  it('--compose never replaces a .env written by hand, and --dry-run writes none', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, '.env'), 'REDIS_PASSWORD=mine\n');
    expect(install(['--compose', '--dir', dir]).status).toBe(0);
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe('REDIS_PASSWORD=mine\n');

    const empty = tempDir();
    const plan = install(['--compose', '--dry-run', '--dir', empty]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain(`would write: ${empty}/.env (mode 0600) with REDIS_PASSWORD`);
    expect(readdirSync(empty)).toEqual([]);

    expect(install(['--compose', '--prefix', empty]).status).toBe(2);
    expect(install(['--dir', empty]).status).toBe(2);
  });

  it('rejects an unknown option with exit code 2', () => {
    const result = install(['--dry-rn']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown option --dry-rn');
  });
});

describe('deploy/tradecache.service', () => {
  const unit = new Map<string, string[]>();
  for (const line of read('deploy/tradecache.service').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) unit.set(match[1]!, [...(unit.get(match[1]!) ?? []), match[2]!]);
  }
  const one = (key: string) => {
    expect(unit.get(key), key).toHaveLength(1);
    return unit.get(key)![0]!;
  };

  it('starts `node <app>/bin/tradecache.js <command>` with a command the CLI has', () => {
    const [node, flag, entry, command, ...rest] = one('ExecStart').split(/\s+/);
    expect(node).toMatch(/^\/\S*\/node$/);
    expect(flag).toBe('--max-semi-space-size=64');
    expect(entry).toBe(`${one('WorkingDirectory')}/bin/tradecache.js`);
    expect(rest).toEqual([]);
    expect(CLI_COMMANDS).toContain(command);
    expect(command).toBe('start');
  });

  it('reads the env file install.sh writes, and may write only its data dir', () => {
    const envFile = one('EnvironmentFile');
    expect(envFile).toBe('/etc/tradecache/env');
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'tradecache-unit-'));
    try {
      const plan = spawnSync(
        'bash',
        [path.join(ROOT, 'scripts/install.sh'), '--dry-run', '--prefix', prefix],
        {
          encoding: 'utf8',
        },
      ).stdout;
      expect(plan).toContain(`would write: ${prefix}${envFile} (mode 0600)`);
      expect(plan).toContain(`${prefix}${one('WorkingDirectory')} (npm ci, build, npm prune --omit=dev)`);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
    const dataDir = unit
      .get('Environment')
      ?.find((e) => e.startsWith('TRADECACHE_DATA_DIR='))
      ?.split('=')[1];
    expect(dataDir).toBe('/var/lib/tradecache');
    expect(one('ReadWritePaths')).toBe(dataDir);
    expect(one('User')).toBe('tradecache');
    expect(unit.get('Environment')).toContain('NODE_ENV=production');
  });

  it('stops tradecache before its embedded redis-server (KillMode=mixed)', () => {
    // The default would SIGTERM the child redis-server together with tradecache, which still
    // flushes counters and finishes jobs against it while shutting down.
    expect(one('KillMode')).toBe('mixed');
  });
});
