/**
 * Starting child processes at the same instant, for true races: each child opens the
 * store, prints `ready`, and waits for `go` on stdin (see test/fixtures/coordinator.mjs).
 */
import { spawn } from 'node:child_process';

export interface RacedChild {
  code: number | null;
  /** Every stdout line but `ready`. */
  lines: string[];
  stderr: string;
}

/** Starts `node script …argv` for every argv, waits until all are ready, releases them at once, and resolves when all have exited. */
export async function raceChildren(script: string, argvs: string[][]): Promise<RacedChild[]> {
  const children = argvs.map((argv) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    const result: RacedChild = { code: null, lines: [], stderr: '' };
    let buffer = '';
    let markReady: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        if (line === 'ready') markReady();
        else result.lines.push(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (result.stderr += chunk));
    const exited = new Promise<RacedChild>((resolve) =>
      child.on('exit', (code) => {
        // A child that dies before `ready` must not hold the others back.
        markReady();
        result.code = code;
        resolve(result);
      }),
    );
    return { child, ready, exited };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  return Promise.all(children.map((c) => c.exited));
}
