/** The terminal markdown renderer (pure): every construct, inline code everywhere, wrapping. */
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { renderMarkdownForTerminal, wrap } from '../../src/cli/markdown-terminal.js';
import { displayWidth } from '../../src/cli/table.js';

const plain = pc.createColors(false);
const colour = pc.createColors(true);

describe('renderMarkdownForTerminal', () => {
  it('renders inline code without backticks in paragraphs, list items, nested items, tasks, quotes and tables', () => {
    const md = [
      '# Checkout &amp; flow',
      '',
      'Use `npm test` and **bold** *em*.',
      '',
      '- item with `inline` code',
      '- [ ] open `task`',
      '- [x] done',
      '  1. nested `one`',
      '  2. two',
      '',
      '> quote `q`',
      '',
      '| Field | Meaning |',
      '|---|---|',
      '| `id` | the id |',
      '',
      '```',
      'const `x` = 1;',
      '```',
    ].join('\n');
    const out = renderMarkdownForTerminal(md, { c: plain, width: 80 });
    const body = out.replace(/```|const `x`/g, '');
    expect(body).not.toContain('`');
    expect(out).toContain('Checkout & flow\n═══');
    expect(out).toContain('Use npm test and bold em.');
    expect(out).toContain('• item with inline code\n• [ ] open task\n• [x] done\n      1. nested one\n      2. two\n');
    expect(out).toContain('│ quote q');
    expect(out).toMatch(/Field\s+Meaning\nid\s+the id/);
    expect(out).toContain('    const `x` = 1;'); // code blocks are literal
    // With colour, inline code is coloured, not backticked.
    const coloured = renderMarkdownForTerminal('- item with `inline` code', { c: colour, width: 80 });
    expect(coloured).toContain(colour.yellow('inline'));
  });

  it('wraps paragraphs to the width and keeps links and entities readable', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const out = renderMarkdownForTerminal(`${words}\n\nSee [the docs](https://example.com/docs) &lt;here&gt; &#x41;&#66;.`, { c: plain, width: 40 });
    for (const line of out.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    expect(out.replace(/\n/g, ' ')).toContain(words);
    expect(out.replace(/\n/g, ' ')).toContain('See the docs (https://example.com/docs) <here> AB.');
    expect(wrap('a b c', 3)).toBe('a b c'); // never narrower than 20
  });

  it('spells out control characters that numeric entities decode to (the input was escaped before rendering)', () => {
    const out = renderMarkdownForTerminal('Hi &#27;[2J &#x1b;]0;t&#7; &#x9b;1m &#x202e;x `&#27;[31m`', { c: colour, width: 80 });
    // Only the renderer's own colour codes may hold ESC.
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('\\x1b[2J');
    expect(out).toContain('\\x9b1m \\u202ex');
  });
});
