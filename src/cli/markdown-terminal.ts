/**
 * Markdown → text for the terminal: marked's lexer and a small renderer with colours
 * from picocolors. Headings, emphasis, inline code (in paragraphs, list items, tables and
 * quotes alike), fenced code, lists (nested, numbered, task lists), quotes, tables,
 * links and rules; paragraphs wrapped to the terminal's width.
 *
 * The markdown must already be terminal-safe (control characters spelled out): the only
 * escape sequences in the output are the colours added here (a numeric entity such as
 * `&#27;` that decodes to a control character is spelled out too).
 */
import { Lexer, type Token, type Tokens } from 'marked';
import type { Colors } from './output.js';
import { displayWidth, renderTable } from './table.js';
import { visible } from './terminal-safe.js';

interface RenderOptions {
  /** Wrap paragraphs at this many columns (default 80). */
  width?: number;
  c: Colors;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" };

/** Decodes the HTML entities marked leaves in text (`&amp;`, `&#39;`, `&#x41;`). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      // `&#27;` is plain text to the escaping done before rendering: what it decodes to is spelled out here.
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? visible(String.fromCodePoint(code)) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Word-wraps `text` (which may hold colour codes) to `width` columns (at least 20); a word longer than that gets a line of its own. */
export function wrap(text: string, width: number): string {
  const limit = Math.max(20, width);
  const out: string[] = [];
  for (const source of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of source.split(/ +/)) {
      if (word === '') continue;
      const w = displayWidth(word);
      if (used > 0 && used + 1 + w > limit) {
        out.push(line);
        line = word;
        used = w;
      } else {
        line = used > 0 ? `${line} ${word}` : word;
        used += (used > 0 ? 1 : 0) + w;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * Renders `markdown` for a terminal.
 * @example renderMarkdownForTerminal('# Title\n\n- `code` item', { c: pc.createColors(true), width: 80 })
 */
export function renderMarkdownForTerminal(markdown: string, options: RenderOptions): string {
  const width = options.width ?? 80;
  const { c } = options;

  const inline = (tokens: readonly Token[] | undefined, fallback = ''): string => {
    if (tokens === undefined) return decodeEntities(fallback);
    return tokens.map(inlineToken).join('');
  };

  function inlineToken(token: Token): string {
    switch (token.type) {
      case 'strong':
        return c.bold(inline((token as Tokens.Strong).tokens, token.text));
      case 'em':
        return c.italic(inline((token as Tokens.Em).tokens, token.text));
      case 'del':
        return c.strikethrough(inline((token as Tokens.Del).tokens, token.text));
      case 'codespan':
        return c.yellow(decodeEntities((token as Tokens.Codespan).text));
      case 'br':
        return '\n';
      case 'link': {
        const link = token as Tokens.Link;
        const text = inline(link.tokens, link.text);
        return link.href === link.text || link.href === `mailto:${link.text}` ? c.underline(c.blue(text)) : `${c.underline(c.blue(text))} ${c.dim(`(${link.href})`)}`;
      }
      case 'image': {
        const image = token as Tokens.Image;
        return c.dim(`[image: ${decodeEntities(image.text) || image.href}] (${image.href})`);
      }
      case 'escape':
        return (token as Tokens.Escape).text;
      case 'html':
        return c.dim(token.raw);
      case 'text':
        return 'tokens' in token && token.tokens !== undefined ? inline(token.tokens, token.text) : decodeEntities(token.text as string);
      default:
        return 'text' in token && typeof token.text === 'string' ? decodeEntities(token.text) : token.raw;
    }
  }

  /** Renders block tokens, each line of the result to be prefixed by the caller; `room` is the width left. */
  function blocks(tokens: readonly Token[], room: number): string[] {
    const out: string[] = [];
    const gap = (): void => {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
    };
    for (const token of tokens) {
      switch (token.type) {
        case 'space':
          break;
        case 'heading': {
          const heading = token as Tokens.Heading;
          gap();
          const text = inline(heading.tokens, heading.text);
          out.push(heading.depth <= 2 ? c.bold(c.cyan(text)) : c.bold(text));
          if (heading.depth === 1) out.push(c.cyan('═'.repeat(Math.min(room, Math.max(3, displayWidth(text))))));
          out.push('');
          break;
        }
        case 'paragraph':
          gap();
          out.push(...wrap(inline((token as Tokens.Paragraph).tokens, token.text), room).split('\n'));
          out.push('');
          break;
        case 'text':
          out.push(...wrap(inlineToken(token), room).split('\n'));
          break;
        case 'code': {
          const code = token as Tokens.Code;
          gap();
          for (const line of code.text.split('\n')) out.push(`    ${c.yellow(line)}`);
          out.push('');
          break;
        }
        case 'blockquote': {
          gap();
          const inner = blocks((token as Tokens.Blockquote).tokens, room - 2);
          while (inner.length > 0 && inner[inner.length - 1] === '') inner.pop();
          for (const line of inner) out.push(`${c.dim('│')} ${c.italic(line)}`);
          out.push('');
          break;
        }
        case 'list': {
          const list = token as Tokens.List;
          const start = typeof list.start === 'number' ? list.start : 1;
          const last = start + list.items.length - 1;
          list.items.forEach((item, i) => {
            const bullet = list.ordered ? `${start + i}.`.padStart(String(last).length + 1) : '•';
            const box = item.task ? (item.checked ? `${c.green('[x]')} ` : '[ ] ') : '';
            const marker = `${bullet} ${box}`;
            const indent = ' '.repeat(displayWidth(marker));
            const inner = blocks(item.tokens, room - indent.length);
            while (inner.length > 0 && inner[inner.length - 1] === '') inner.pop();
            inner.forEach((line, j) => out.push(j === 0 ? `${list.ordered ? bullet : c.dim(bullet)} ${box}${line}` : line === '' ? '' : `${indent}${line}`));
            if (list.loose) out.push('');
          });
          if (!list.loose) out.push('');
          break;
        }
        case 'table': {
          const table = token as Tokens.Table;
          gap();
          const oneLine = (cell: Tokens.TableCell): string => inline(cell.tokens, cell.text).replace(/\n/g, ' ');
          const text = renderTable(
            table.header.map((h) => c.bold(oneLine(h))),
            table.rows.map((row) => row.map(oneLine)),
            { maxWidth: room },
          );
          out.push(...text.trimEnd().split('\n'), '');
          break;
        }
        case 'hr':
          gap();
          out.push(c.dim('─'.repeat(Math.min(room, 40))), '');
          break;
        case 'html':
          out.push(...c.dim(token.raw.trimEnd()).split('\n'));
          break;
        default:
          out.push(...token.raw.trimEnd().split('\n'));
      }
    }
    return out;
  }

  const lines = blocks(new Lexer().lex(markdown), width);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
