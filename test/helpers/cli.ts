import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The real command as installed: bin/tradecache.js running dist/. The global setup
 * (build-dist.ts) rebuilds dist/ whenever it does not match the sources, so these tests always
 * exercise the current code, through the same files (Lua, dashboard assets) the package ships.
 */
export const BIN = path.resolve(import.meta.dirname, '../../bin/tradecache.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tradecache <args>` to completion with exactly the given environment (plus PATH). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tradecache ${args.join(' ')} did not finish: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningService {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Sends SIGTERM and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command (`start`, `demo`, `api`) on a free port and waits until it listens. */
export function startService(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
  /** Leads its own process group, as a command typed in a terminal does (for group signals). */
  ownGroup = false,
): Promise<RunningService> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      detached: ownGroup,
    });
    let output = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tradecache ${args.join(' ')} did not start:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => output,
          stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tradecache ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

export interface SpawnedCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends `signal` (SIGINT by default) and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command that serves nothing (`market watch`) and returns at once. */
export function spawnCli(args: string[], env: Record<string, string>): SpawnedCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop(signal = 'SIGINT') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
