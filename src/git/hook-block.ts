import { CorruptError } from '../errors.js';

/**
 * The delimited block TaskStore owns inside a hook file, and the text edits that put it
 * in, update it and take it out again. Pure: no file access.
 *
 * A hook file may belong to someone else too (the pre-commit framework, husky, git-lfs,
 * a hand-written script). We only ever touch the lines between {@link BLOCK_START} and
 * {@link BLOCK_END}, so uninstall can restore the file byte for byte.
 */

/**
 * The hooks TaskStore installs. `post-rebase` is never run by git itself; see
 * `post-rewrite`. `pre-applypatch` is `git am`'s pre-commit (also for `git am --continue`).
 */
export const HOOK_NAMES = ['pre-commit', 'pre-applypatch', 'post-merge', 'post-rebase', 'post-rewrite', 'pre-push', 'post-checkout'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export const BLOCK_START = '# >>> taskstore >>>';
export const BLOCK_END = '# <<< taskstore <<<';

/** The shebang written at the top of a hook file TaskStore creates. */
export const NEW_HOOK_HEADER = '#!/bin/sh\n';

/**
 * Why the hook file looks as it does, recorded in the block so uninstall can undo it:
 * `created` — the file did not exist (uninstall deletes it if nothing else was added);
 * `existing` — an executable hook was there already;
 * `made-executable` — a hook file existed but was not executable (git ignored it), and
 * install set its executable bits (uninstall clears them again).
 */
export type BlockOrigin = 'created' | 'existing' | 'made-executable';

const ORIGIN_LINE = /^# taskstore-origin: (created|existing|made-executable)$/;

/** The origin comment line, always the second line of a block. */
export function originLine(origin: BlockOrigin): string {
  return `# taskstore-origin: ${origin}`;
}

const STORE_LINE = /^# taskstore-store: (".*")$/;

/**
 * The comment line naming the store a block serves (its path relative to the work tree
 * root, as a JSON string), the third line of a block. One hooks directory can serve
 * several stores: two stores in one repository, or repositories sharing a
 * `core.hooksPath` (a global one, say). Each store gets a block of its own, so
 * installing or removing one store's block leaves the others' alone.
 */
export function storeLine(storeRelative: string): string {
  return `# taskstore-store: ${JSON.stringify(storeRelative)}`;
}

const FORMAT_LINE = /^# taskstore-hooks-format: ([0-9]{1,9})$/;

/**
 * The comment line giving the format of a block's text, the fourth line of a block; see
 * `HOOK_BLOCK_FORMAT` in hook-scripts.ts. A block without one was written before blocks
 * carried it: format 1. Every TaskStore finds a block by its start and end marker lines
 * alone and reads its origin and store lines wherever they are in it, so versions from
 * before this line replace and remove a block that has it like any other.
 */
export function formatLine(format: number): string {
  return `# taskstore-hooks-format: ${format}`;
}

/** The format of a block that has no format line: those written before blocks carried one. */
export const UNNUMBERED_BLOCK_FORMAT = 1;

interface BlockSpan {
  /** Offset of the first character of the start marker line. */
  start: number;
  /** Offset just past the end marker line (and its line ending). */
  end: number;
  origin: BlockOrigin | undefined;
  /** The store the block serves; undefined for a block written before blocks named their store. */
  store: string | undefined;
  /** The format its format line gives; undefined for a block without one ({@link UNNUMBERED_BLOCK_FORMAT}). */
  format: number | undefined;
}

/** Every TaskStore block in `content`. Throws {@link CorruptError} for a start marker without an end marker. */
export function findBlocks(content: string, file = 'hook'): BlockSpan[] {
  const spans: BlockSpan[] = [];
  let open: { start: number; origin: BlockOrigin | undefined; store: string | undefined; format: number | undefined; line: number } | undefined;
  let offset = 0;
  let lineNumber = 0;
  for (const piece of content.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    lineNumber += 1;
    const line = piece.replace(/\r?\n$/, '');
    if (open === undefined) {
      if (line === BLOCK_START) open = { start: offset, origin: undefined, store: undefined, format: undefined, line: lineNumber };
    } else if (line === BLOCK_END) {
      spans.push({ start: open.start, end: offset + piece.length, origin: open.origin, store: open.store, format: open.format });
      open = undefined;
    } else {
      const origin = open.origin === undefined ? ORIGIN_LINE.exec(line) : null;
      if (origin) open.origin = origin[1] as BlockOrigin;
      const store = open.store === undefined ? STORE_LINE.exec(line) : null;
      if (store) open.store = parseStore(store[1]!);
      const format = open.format === undefined ? FORMAT_LINE.exec(line) : null;
      if (format) open.format = Number(format[1]);
    }
    offset += piece.length;
  }
  if (open !== undefined) {
    throw new CorruptError(`${file} line ${open.line} starts a taskstore block ("${BLOCK_START}") that never ends ("${BLOCK_END}")`, {
      data: { file, line: open.line },
      hint: `repair the block by hand (add the "${BLOCK_END}" line or delete the block), then run \`taskstore install-hooks\` again`,
    });
  }
  return spans;
}

function parseStore(json: string): string | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The blocks of `content` that serve the store at `store` (relative to the work tree
 * root): those naming it, and those naming no store (written before blocks named
 * theirs, so an upgrade replaces them). Without `store`, every block.
 */
export function storeBlocks(content: string, file?: string, store?: string): BlockSpan[] {
  const spans = findBlocks(content, file);
  return store === undefined ? spans : spans.filter((span) => span.store === undefined || span.store === store);
}

/** The origin recorded in the first TaskStore block of `content` serving `store` (any block without it), if there is one. */
export function blockOrigin(content: string, file?: string, store?: string): BlockOrigin | undefined {
  const [first] = storeBlocks(content, file, store);
  return first === undefined ? undefined : (first.origin ?? 'existing');
}

/**
 * `content` with `block` in it: replacing the existing block of the same store in place
 * (and dropping any duplicates), or, for a hook without one, right after the `#!` line.
 * The top is the only safe place: hooks from other tools often end with `exec ...` or
 * `exit`, after which nothing would run. Blocks of other stores are left as they are.
 * `content === undefined` means a new file.
 */
export function withBlock(content: string | undefined, block: string, file?: string, store?: string): string {
  if (content === undefined) return NEW_HOOK_HEADER + block;
  const spans = storeBlocks(content, file, store);
  const [first, ...rest] = spans;
  if (first !== undefined) {
    let result = content.slice(0, first.start) + block;
    let cursor = first.end;
    for (const span of rest) {
      result += content.slice(cursor, span.start);
      cursor = span.end;
    }
    return result + content.slice(cursor);
  }
  if (!content.startsWith('#!')) return block + content;
  const newline = content.indexOf('\n');
  if (newline === -1) return `${content}\n${block}`;
  return content.slice(0, newline + 1) + block + content.slice(newline + 1);
}

/** Interpreters that run the block's POSIX sh text (bash, zsh and ksh accept it too). */
const SH_FAMILY = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox']);

/**
 * The interpreter an existing hook names in its `#!` line when that is not a POSIX sh
 * (say `python3` or `node`), else undefined. A block inserted into such a hook is a
 * syntax error there, and the other tool's hook would fail on every run. A hook without
 * a `#!` line is run by sh.
 * @example foreignInterpreter('#!/usr/bin/env python3\n…') // 'python3'
 */
export function foreignInterpreter(content: string): string | undefined {
  if (!content.startsWith('#!')) return undefined;
  const end = content.indexOf('\n');
  const words = content.slice(2, end === -1 ? undefined : end).trim().split(/\s+/);
  let program = baseName(words[0] ?? '');
  if (program === 'env') {
    // `#!/usr/bin/env [-S] [-options] [NAME=value] program …`
    const named = words.slice(1).find((word) => !word.startsWith('-') && !word.includes('='));
    program = baseName(named ?? '');
  }
  return SH_FAMILY.has(program) ? undefined : program === '' ? '(none)' : program;
}

/**
 * True when `content` starts with a `#!` line that ends in a carriage return (CRLF line
 * endings, as a Windows editor writes them). The kernel takes the CR as part of the
 * interpreter's name or last argument (`/bin/sh\r`), finds no such program, and git
 * cannot start the hook at all: nothing in the file runs, a TaskStore block included.
 * @example interpreterLineEndsInCr('#!/bin/sh\r\necho hi\r\n') // true
 */
export function interpreterLineEndsInCr(content: string): boolean {
  if (!content.startsWith('#!')) return false;
  const end = content.indexOf('\n');
  return (end === -1 ? content : content.slice(0, end)).endsWith('\r');
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\r$/, '');
}

/**
 * `content` (a hook whose block for one store was just taken out) with that block's
 * `origin` handed to the first block left, when that one records only `existing`: it was
 * written into a file the first store's install had created (or made executable), and
 * says nothing of it. Without this, uninstalling the stores in the order they were
 * installed left a hook file holding only `#!/bin/sh`, and a hook the user had switched
 * off (not executable) switched on. A block without an origin line is left as it is.
 */
export function withInheritedOrigin(content: string, origin: BlockOrigin, file?: string): string {
  const [first] = findBlocks(content, file);
  if (first === undefined || origin === 'existing' || first.origin !== 'existing') return content;
  const block = content.slice(first.start, first.end).replace(/^# taskstore-origin: existing(?=\r?$)/m, originLine(origin));
  return content.slice(0, first.start) + block + content.slice(first.end);
}

/** `content` without the TaskStore blocks serving `store` (without `store`: any), or `undefined` when it has none. */
export function withoutBlock(content: string, file?: string, store?: string): string | undefined {
  const spans = storeBlocks(content, file, store);
  if (spans.length === 0) return undefined;
  let result = '';
  let cursor = 0;
  for (const span of spans) {
    result += content.slice(cursor, span.start);
    cursor = span.end;
  }
  return result + content.slice(cursor);
}
