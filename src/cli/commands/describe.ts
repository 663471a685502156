import type { CliContext } from '../context.js';
import { resolveId } from '../../shared/id-prefix.js';
import { withStoreForReading } from '../open-store.js';
import { createOutput } from '../output.js';
import { readRecord } from '../../shared/read-record.js';
import { visible } from '../terminal-safe.js';
import { lookIn } from '../collection-arg.js';

export interface DescribeInput {
  id: string;
  /** `--collection`: look for the id in this collection only. */
  collection?: string;
}

export interface Description {
  collection: string;
  id: string;
  /** The record's title or name, when it has one. */
  title: string | null;
  /** The markdown `content` ("" when the record has none). */
  content: string;
}

/** A record's markdown `content`, rendered for the terminal (plain text when stdout is not a colour terminal). */
export async function run(ctx: CliContext, input: DescribeInput): Promise<number> {
  const out = createOutput(ctx);
  const description = await withStoreForReading(ctx, (store): Description => {
    const match = resolveId(store, input.id, lookIn(input.collection));
    const record = readRecord(store, match.collection, match.id) ?? {};
    const title = typeof record.title === 'string' ? record.title : typeof record.name === 'string' ? record.name : typeof record.phase_name === 'string' ? record.phase_name : null;
    return { collection: match.collection, id: match.id, title, content: typeof record.content === 'string' ? record.content : '' };
  });
  if (out.jsonMode) {
    out.json(description);
    return 0;
  }
  if (description.content.trim() === '') {
    out.note(`(${description.collection} ${description.id} has no content)`);
    return 0;
  }
  // Control characters in the content are spelled out (`--json` prints it exactly).
  const content = visible(description.content.replace(/\r\n/g, '\n'));
  if (!out.color) {
    out.raw(content.endsWith('\n') ? content : `${content}\n`);
    return 0;
  }
  out.raw(await renderMarkdown(content, ctx.stdout.columns));
  return 0;
}

/** Markdown → coloured text for the terminal (marked's lexer and the CLI's own renderer, loaded only here). */
export async function renderMarkdown(markdown: string, columns: number | undefined): Promise<string> {
  const [{ renderMarkdownForTerminal }, { default: pc }] = await Promise.all([import('../markdown-terminal.js'), import('picocolors')]);
  const width = columns !== undefined && columns >= 20 ? Math.min(columns, 100) : 80;
  return renderMarkdownForTerminal(markdown, { width, c: pc.createColors(true) });
}
