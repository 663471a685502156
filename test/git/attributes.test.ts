import { describe, expect, it } from 'vitest';
import { addAttributesLine, attributesLine, attributesPattern, removeAttributesLine } from '../../src/git/attributes.js';

const LINE = '.taskstore/*.jsonl merge=taskstore';

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
    expect(addAttributesLine('  .taskstore/*.jsonl\t merge=taskstore  \r\n', LINE)).toBeUndefined();
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
