/**
 * Binding the ui server: an exact port when the user named one, else the default port
 * or the next free one after it.
 */
import type { Server } from 'node:http';
import { CliError } from '../../shared/errors.js';

/** How many ports after the default are tried before giving up. */
const TRIES = 50;

/**
 * Listens on `host:port`. With `exact` false, a busy port moves on to the next one.
 * Resolves with the port actually bound (port 0 lets the system choose).
 */
export async function listenOn(server: Server, host: string, port: number, exact: boolean): Promise<number> {
  const last = exact || port === 0 ? port : Math.min(65535, port + TRIES - 1);
  for (let p = port; p <= last; p++) {
    try {
      return await listenOnce(server, host, p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && p < last) continue;
      if (code === 'EADDRINUSE') {
        throw new CliError(exact ? `port ${port} on ${host} is in use` : `ports ${port}-${last} on ${host} are all in use`, {
          hint: exact ? 'pick another with --port N, or leave --port out to take the next free one' : 'pick a free one with --port N',
          cause: err,
        });
      }
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        throw new CliError(`cannot listen on ${host}: it is not an address of this machine`, { hint: 'use --host 127.0.0.1 (the default)', cause: err });
      }
      if (code === 'EACCES') throw new CliError(`not allowed to listen on ${host}:${p}`, { hint: 'ports below 1024 need privileges; use --port 4711', cause: err });
      throw err;
    }
  }
  throw new CliError(`no free port from ${port}`);
}

function listenOnce(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}
