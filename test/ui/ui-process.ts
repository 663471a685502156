/** Runs `taskstore ui` as a real child process on a free port and hands back its URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { CLI } from '../helpers/paths.js';

export interface UiProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startUiProcess(storeDir: string, extraArgs: string[] = []): Promise<UiProcess> {
  // Any free port, unless the caller names one (a restart on the same port).
  const portArgs = extraArgs.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [CLI, '--store', storeDir, '--json', 'ui', ...portArgs, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`taskstore ui exited ${code} before printing its URL: ${stderr}`)));
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return {
    url,
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with a chosen Host header (fetch does not let a caller set it). */
export function rawRequest(
  port: number,
  path: string,
  options: { host?: string; method?: string; noHost?: boolean; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...(options.noHost === true ? {} : { Host: options.host ?? `127.0.0.1:${port}` }), ...options.headers };
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', setHost: false, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
