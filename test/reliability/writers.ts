import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const WRITER = join(import.meta.dirname, '..', 'fixtures', 'writer.mjs');

/** What a writer child acknowledged: only lines it printed completely (after the store call returned). */
export interface Acks {
  notes: string[];
  pairs: string[];
  updated: string[];
  done: boolean;
}

export interface RunningWriter {
  child: ChildProcess;
  acks: Acks;
  /** Resolves when the child exits (for whatever reason). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once at least `n` acknowledgements arrived. */
  acked(n: number): Promise<void>;
}

export function startWriter(dir: string, mode: string, count: number, tag: string): RunningWriter {
  const child = spawn(process.execPath, [WRITER, dir, mode, String(count), tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: Acks = { notes: [], pairs: [], updated: [], done: false };
  let buffer = '';
  let stderr = '';
  let total = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const [kind, ids = ''] = line.split(' ');
      if (kind === 'done') acks.done = true;
      else if (kind === 'note') acks.notes.push(...ids.split(','));
      else if (kind === 'pair') acks.pairs.push(ids);
      else if (kind === 'updated') acks.updated.push(ids);
      total++;
      for (const w of waiters.filter((w) => total >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve();
      resolve({ code, signal, stderr });
    }),
  );
  return {
    child,
    acks,
    exited,
    acked: (n) => (total >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}
