/**
 * Small helpers for merge tests: build JSONL text from objects, and read merged text
 * back the way a store reader would (independently of the code under test).
 */

export type Rec = Record<string, unknown> & { id: string; updated_at: number };

/** JSONL text: one line per item (objects are JSON.stringify'd, strings kept as-is), `\n`-terminated. */
export function jsonl(...items: (Rec | string)[]): string {
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n') + (items.length ? '\n' : '');
}

/** Non-empty lines of a text (no line ends). */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

const MARKER = /^(<<<<<<< |=======$|>>>>>>> )/;

/** True when the text contains git conflict marker lines. */
export function hasMarkers(text: string): boolean {
  return linesOf(text).some((l) => MARKER.test(l));
}

/**
 * What a reader takes as current per id: highest updated_at, later line on ties.
 * Lines that are not records are ignored. Throws on conflict markers (the store refuses them).
 */
export function currentState(text: string): Map<string, Rec> {
  const current = new Map<string, Rec>();
  for (const line of linesOf(text)) {
    if (MARKER.test(line)) throw new Error(`conflict marker: ${line}`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const rec = value as Rec;
    if (typeof rec.id !== 'string' || typeof rec.updated_at !== 'number') continue;
    const prev = current.get(rec.id);
    if (prev === undefined || rec.updated_at >= prev.updated_at) current.set(rec.id, rec);
  }
  return current;
}

/** A record without updated_at, for comparing content. */
export function content(rec: Rec | undefined): Record<string, unknown> | undefined {
  if (rec === undefined) return undefined;
  return Object.fromEntries(Object.entries(rec).filter(([k]) => k !== 'updated_at'));
}

/** Resolves every conflict block by keeping one side. */
export function resolveKeeping(text: string, side: 'ours' | 'theirs'): string {
  const out: string[] = [];
  let state: 'none' | 'ours' | 'theirs' = 'none';
  for (const line of linesOf(text)) {
    if (line.startsWith('<<<<<<< ')) state = 'ours';
    else if (line === '=======') state = 'theirs';
    else if (line.startsWith('>>>>>>> ')) state = 'none';
    else if (state === 'none' || state === side) out.push(line);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The conflict blocks of a text: [ours lines, theirs lines] each. */
export function conflictBlocks(text: string): { ours: string[]; theirs: string[] }[] {
  const blocks: { ours: string[]; theirs: string[] }[] = [];
  let block: { ours: string[]; theirs: string[] } | undefined;
  let state: 'none' | 'ours' | 'theirs' = 'none';
  for (const line of linesOf(text)) {
    if (line.startsWith('<<<<<<< ')) {
      block = { ours: [], theirs: [] };
      state = 'ours';
    } else if (line === '=======') state = 'theirs';
    else if (line.startsWith('>>>>>>> ')) {
      if (block) blocks.push(block);
      state = 'none';
    } else if (block && state !== 'none') block[state].push(line);
  }
  return blocks;
}
