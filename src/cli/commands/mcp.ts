import pkg from '../../../package.json' with { type: 'json' };
import type { CliContext } from '../context.js';
import { serveStdio } from '../mcp/server.js';
import { createCliLogger, maxRecordBytesFor, openStore, storeLocation, warnIfWorktreeCopy } from '../open-store.js';

/**
 * `taskstore mcp`: serves the store to an MCP client on stdio until the client
 * disconnects. A missing or unwritable store is reported (stderr, exit 1) before the
 * protocol starts.
 */
export async function run(ctx: CliContext): Promise<number> {
  const logger = createCliLogger(ctx);
  const store = openStore(ctx, { logger, command: 'mcp' });
  try {
    logger.info(`mcp: serving ${storeLocation(ctx).dir} on stdio`);
    warnIfWorktreeCopy(ctx, logger);
    const maxRecordBytes = maxRecordBytesFor(ctx);
    await serveStdio(store, { version: pkg.version, logger, ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }) });
  } finally {
    store.close();
  }
  return 0;
}
