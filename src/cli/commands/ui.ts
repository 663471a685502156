/**
 * `taskstore ui [--port N] [--host H] [--open]`: serves the local web dashboard until
 * interrupted. Prints the URL (and `{"url": …}` with --json).
 */
import { spawn } from 'node:child_process';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { createCliLogger, openStore } from '../open-store.js';
import { isLoopback } from '../../ui/server/host-check.js';
import { startUiServer } from '../../ui/server/start-server.js';

export interface UiInput {
  port?: number;
  host?: string;
  open: boolean;
}

export async function run(ctx: CliContext, input: UiInput): Promise<number> {
  if (input.port !== undefined && input.port > 65535) throw new UsageError(`--port must be from 0 to 65535 (got ${input.port})`, { hint: 'omit --port for 4711 or the next free port, or pass 0 to let the system choose' });
  const logger = createCliLogger(ctx);
  const store = openStore(ctx, { logger, command: 'ui' });
  let server;
  try {
    server = await startUiServer({
      store,
      onError: (err) => logger.warn(`the live channel stopped: ${err instanceof Error ? err.message : String(err)}`),
      ...(input.host === undefined ? {} : { host: input.host }),
      ...(input.port === undefined ? {} : { port: input.port }),
    });
  } catch (err) {
    store.close();
    throw err;
  }
  if (ctx.json) ctx.stdout.write(`${JSON.stringify({ url: server.url, host: server.host, port: server.port })}\n`);
  else ctx.stdout.write(`TaskStore dashboard: ${server.url}\n(read-only; press Ctrl-C to stop)\n`);
  if (!isLoopback(server.host)) {
    logger.warn(`listening on ${server.host}: anyone who can reach this address can read the whole store`);
  }
  if (input.open) openBrowser(server.url, (message) => logger.warn(message));

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  store.close();
  return 0;
}

/** Opens `url` in the desktop's browser; a failure is a warning, the server keeps running. */
function openBrowser(url: string, warn: (message: string) => void): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => warn(`could not open a browser (${cmd}); open ${url} yourself`));
    // xdg-open on a machine without a browser (a server, a container) exits 3 after
    // printing to the stderr we ignore: without this, --open failed without a word.
    child.on('exit', (code) => {
      if (code !== null && code !== 0) warn(`could not open a browser (${cmd} exited with code ${code}); open ${url} yourself`);
    });
    child.unref();
  } catch {
    warn(`could not open a browser (${cmd}); open ${url} yourself`);
  }
}
