import type { FastifyInstance } from 'fastify';
import { type AppRole, createApp } from '../app.ts';
import type { Config } from '../config/types.ts';
import { buildServer, listen } from '../http/server.ts';
import { demoLoginLink, demoLoginMessage } from './demo-login.ts';
import { recordServiceExchange } from './exchange-choice.ts';

export interface ServeOptions {
  role: Exclude<AppRole, 'tool'>;
  /** The command's name as typed, when not the role (`demo`): recorded in the data dir. */
  name?: string;
  /** `tradecache demo`: print a one-time admin login link for the dashboard. */
  loginLink?: boolean;
  /** Where the login link is printed. @default process.stdout */
  out?: (text: string) => void;
  /** Resolves when the process should stop; defaults to the first SIGTERM or SIGINT. */
  stopSignal?: Promise<string>;
}

/**
 * Runs a long-lived tradecache process and shuts it down cleanly: stop accepting requests,
 * finish requests and jobs in flight up to the deadline, flush counters, close Redis, stop the
 * embedded Redis. A second signal (or the deadline passing) forces the exit.
 */
export async function serve(config: Config, options: ServeOptions): Promise<number> {
  // Listening for the stop signal from the start: a Ctrl-C while the app is still starting
  // shuts it down cleanly once it is up, rather than killing it with its writes half done.
  const stopSignal = options.stopSignal ?? firstSignal();
  const ctx = await createApp(config, { role: options.role });
  let server: FastifyInstance | null = null;
  try {
    // Before anything listens: one-shot commands beside this service then use its exchange.
    await recordServiceExchange(config.dataDir, config.exchange.kind, options.name ?? options.role);
    if (options.role !== 'worker') {
      server = await buildServer(ctx);
      const address = await listen(server, ctx);
      ctx.logger.info(
        { address, role: options.role, exchange: config.exchange.kind, redis: config.redis.source },
        `tradecache ${options.role} listening on ${address}`,
      );
      if (options.loginLink) {
        // On stdout, never in the log: the link is a credential (for one use).
        const link = await demoLoginLink(ctx, browsable(address));
        (options.out ?? ((text) => process.stdout.write(text)))(demoLoginMessage(link));
      }
    } else {
      ctx.logger.info({ role: 'worker' }, 'tradecache worker running');
    }
  } catch (err) {
    await server?.close();
    await ctx.close();
    throw err;
  }

  const signal = await stopSignal;
  ctx.logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    ctx.logger.error('shutdown deadline passed; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 5_000);
  force.unref();
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  try {
    await server?.close();
  } finally {
    await ctx.close();
    clearTimeout(force);
  }
  ctx.logger.info('stopped');
  return 0;
}

/** `http://0.0.0.0:8000` is where we listen, not an address a browser opens. */
function browsable(address: string): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
  return url.origin;
}

function firstSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
