/**
 * A one-line progress bar on stderr, drawn only on a terminal and only once an operation
 * has run for a moment (so small stores never see it). No dependencies.
 */
import type { TextStream } from './context.js';

interface Progress {
  update(done: number, total: number): void;
  /** Erases the bar (call before printing anything else, and at the end). */
  clear(): void;
}

interface ProgressOptions {
  label: string;
  /** The environment: `TERM=dumb` (Emacs' shell, editors' terminals) gets no bar, whose erase code it would show as text. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Draw only after this many ms (default 300). */
  delayMs?: number;
  now?: () => number;
}

const WIDTH = 30;
const REDRAW_MS = 100;

export function createProgress(stream: TextStream, options: ProgressOptions): Progress {
  if (stream.isTTY !== true || options.env?.TERM === 'dumb') return { update() {}, clear() {} };
  const now = options.now ?? Date.now;
  const started = now();
  const delay = options.delayMs ?? 300;
  let drawnAt = 0;
  let visible = false;
  return {
    update(done, total) {
      const t = now();
      if (t - started < delay || t - drawnAt < REDRAW_MS) return;
      drawnAt = t;
      visible = true;
      stream.write(`\r${renderBar(options.label, done, total)}\u001b[K`);
    },
    clear() {
      if (!visible) return;
      visible = false;
      stream.write('\r\u001b[K');
    },
  };
}

/** `sync [#########.........]  30%` — pure. */
export function renderBar(label: string, done: number, total: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * WIDTH);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}
