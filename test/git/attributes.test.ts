import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitRepo } from '../helpers/git-repo.js';
import { addAttributesLine, attributesLine, attributesPattern, legacyAttributesLines, removeAttributesLine } from '../../src/git/attributes.js';

const LINE = '.taskstore/*.jsonl merge=taskstore -text';

describe('attributesPattern / attributesLine', () => {
  it('is the documented line for the usual layout', () => {
    expect(attributesLine('.taskstore')).toBe(LINE);
  });

  it('uses the store path relative to the root', () => {
    expect(attributesPattern('data/.taskstore')).toBe('data/.taskstore/*.jsonl');
  });

  it('anchors a store at the root with a leading slash', () => {
    expect(attributesPattern('')).toBe('/*.jsonl');
  });

  it('escapes glob characters and leading # / !', () => {
    expect(attributesPattern('a*b[1]?')).toBe('a\\*b\\[1]\\?/*.jsonl');
    expect(attributesPattern('#x')).toBe('\\#x/*.jsonl');
    expect(attributesPattern('!x')).toBe('\\!x/*.jsonl');
  });

  it('C-quotes a pattern with spaces or quotes', () => {
    expect(attributesPattern('my store/.taskstore')).toBe('"my store/.taskstore/*.jsonl"');
    expect(attributesPattern('say "hi"')).toBe('"say \\"hi\\"/*.jsonl"');
  });

  it('C-escapes control characters (a raw newline split the line in two), and git reads the pattern back as the directory', () => {
    expect(attributesPattern('da\nta/.taskstore')).toBe('"da\\nta/.taskstore/*.jsonl"');
    expect(attributesPattern('a\rb\x01c\x7f')).toBe('"a\\rb\\001c\\177/*.jsonl"');
    const repo = GitRepo.init();
    for (const dir of ['da\nta', 'tab\there', 'cr\rx', 'bell\x07', 'del\x7f', 'quote"and\\back']) {
      writeFileSync(join(repo.dir, '.gitattributes'), `${attributesLine(`${dir}/.taskstore`)}\n`);
      expect(repo.git('check-attr', '-z', 'merge', '--', `${dir}/.taskstore/prds.jsonl`).split('\0')[2], JSON.stringify(dir)).toBe('taskstore');
    }
  });
});

describe('addAttributesLine', () => {
  it('creates the content for a missing or empty file', () => {
    expect(addAttributesLine(undefined, LINE)).toBe(`${LINE}\n`);
    expect(addAttributesLine('', LINE)).toBe(`${LINE}\n`);
  });

  it('keeps other lines and appends after them', () => {
    expect(addAttributesLine('*.png binary\n', LINE)).toBe(`*.png binary\n${LINE}\n`);
  });

  it('terminates an unterminated last line first', () => {
    expect(addAttributesLine('*.png binary', LINE)).toBe(`*.png binary\n${LINE}\n`);
  });

  it('follows CRLF line endings', () => {
    expect(addAttributesLine('*.png binary\r\n', LINE)).toBe(`*.png binary\r\n${LINE}\r\n`);
  });

  it('returns undefined when the line is there already, even with other spacing', () => {
    expect(addAttributesLine(`a b\n${LINE}\nc d\n`, LINE)).toBeUndefined();
    expect(addAttributesLine('  .taskstore/*.jsonl\t merge=taskstore   -text \r\n', LINE)).toBeUndefined();
  });

  it('still adds the line after a conflicting one (later lines win in git)', () => {
    expect(addAttributesLine('.taskstore/*.jsonl merge=union\n', LINE)).toBe(`.taskstore/*.jsonl merge=union\n${LINE}\n`);
  });
});

describe('removeAttributesLine', () => {
  it('removes the line and nothing else', () => {
    expect(removeAttributesLine(`*.png binary\n${LINE}\n*.md text\n`, LINE)).toBe('*.png binary\n*.md text\n');
  });

  it('removes an unterminated last copy and CRLF copies', () => {
    expect(removeAttributesLine(`a\r\n${LINE}\r\nb\r\n`, LINE)).toBe('a\r\nb\r\n');
    expect(removeAttributesLine(`a\n${LINE}`, LINE)).toBe('a\n');
  });

  it('leaves an empty string when the line was all there was', () => {
    expect(removeAttributesLine(`${LINE}\n`, LINE)).toBe('');
  });

  it('returns undefined when there is nothing to remove', () => {
    expect(removeAttributesLine('*.png binary\n', LINE)).toBeUndefined();
  });

  it('undoes addAttributesLine exactly for a terminated file', () => {
    const before = '# attrs\n*.png binary\n';
    expect(removeAttributesLine(addAttributesLine(before, LINE)!, LINE)).toBe(before);
  });
});

describe('the line without -text that earlier versions wrote', () => {
  const OLD = '.taskstore/*.jsonl merge=taskstore';
  const LEGACY = legacyAttributesLines('.taskstore');

  it('is the old line of the same store, and only that', () => {
    expect(LEGACY).toEqual([OLD]);
    expect(legacyAttributesLines('my data/.taskstore')).toEqual(['"my data/.taskstore/*.jsonl" merge=taskstore']);
  });

  it('is replaced where it stands, so it keeps its rank among the other lines; a second run changes nothing', () => {
    const before = `* text eol=crlf\n${OLD}\n*.md text\n`;
    const after = addAttributesLine(before, LINE, LEGACY);
    expect(after).toBe(`* text eol=crlf\n${LINE}\n*.md text\n`);
    expect(addAttributesLine(after, LINE, LEGACY)).toBeUndefined();
  });

  it('keeps the file\'s line endings, also with other spacing and an unterminated last line', () => {
    expect(addAttributesLine(`a\r\n  .taskstore/*.jsonl \t merge=taskstore \r\nb\r\n`, LINE, LEGACY)).toBe(`a\r\n${LINE}\r\nb\r\n`);
    expect(addAttributesLine(`a\n${OLD}`, LINE, LEGACY)).toBe(`a\n${LINE}`);
  });

  it('goes (every copy) when the new line is there already', () => {
    expect(addAttributesLine(`${OLD}\nx y\n${LINE}\n${OLD}\n`, LINE, LEGACY)).toBe(`x y\n${LINE}\n`);
    expect(addAttributesLine(`${OLD}\n${OLD}\n`, LINE, LEGACY)).toBe(`${LINE}\n`);
  });

  it('is told apart from the user\'s own lines, which stay untouched', () => {
    const user = [
      '.taskstore/*.jsonl merge=taskstore eol=lf',
      '# .taskstore/*.jsonl merge=taskstore',
      'other/.taskstore/*.jsonl merge=taskstore',
      '.taskstore/*.jsonl merge=union',
      '.taskstore/*.jsonl -text merge=taskstore extra',
    ].join('\n');
    expect(addAttributesLine(`${user}\n`, LINE, LEGACY)).toBe(`${user}\n${LINE}\n`);
  });

  it('uninstall removes both forms and nothing else', () => {
    expect(removeAttributesLine(`a\n${OLD}\nb\n${LINE}\n`, [LINE, ...LEGACY])).toBe('a\nb\n');
    expect(removeAttributesLine(`a\n${OLD}\n`, [LINE, ...LEGACY])).toBe('a\n');
    expect(removeAttributesLine('a\n', [LINE, ...LEGACY])).toBeUndefined();
  });

  it('property: for any user lines, install is idempotent, keeps them in order, and uninstall gives them back', () => {
    const ours = [LINE, OLD];
    const userLine = fc
      .string({ unit: fc.constantFrom('a', '*', '.', '/', ' ', '\t', '=', '-', 'merge', 'taskstore', 'text', '.taskstore/*.jsonl', '#'), maxLength: 12 })
      .filter((l) => !ours.some((o) => l.trim().split(/[ \t]+/).join(' ') === o));
    fc.assert(
      fc.property(fc.array(fc.oneof(userLine, fc.constant(OLD)), { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const content = lines.map((l) => `${l}${eol}`).join('');
        const installed = addAttributesLine(content, LINE, LEGACY) ?? content;
        expect(addAttributesLine(installed, LINE, LEGACY)).toBeUndefined();
        const userOnly = lines.filter((l) => l !== OLD).map((l) => `${l}${eol}`).join('');
        expect(removeAttributesLine(installed, [LINE, ...LEGACY])).toBe(userOnly);
        // Every user line survives install, in order.
        expect(installed.split(/\r?\n/).filter((l) => l !== LINE)).toEqual([...lines.filter((l) => l !== OLD), '']);
      }),
    );
  });
});
