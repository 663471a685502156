import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { BLOCK_END, BLOCK_START, blockOrigin, findBlocks, originLine, storeLine, withBlock, withoutBlock } from '../../src/git/hook-block.js';

const block = (text: string, origin: 'created' | 'existing' = 'existing'): string =>
  `${BLOCK_START}\n${originLine(origin)}\n${text}\n${BLOCK_END}\n`;

describe('blocks of several stores in one hook file', () => {
  const of = (store: string, text: string, origin: 'created' | 'existing' = 'existing'): string =>
    `${BLOCK_START}\n${originLine(origin)}\n${storeLine(store)}\n${text}\n${BLOCK_END}\n`;

  it("adds a store's block beside another store's, replaces only its own, and removes only its own", () => {
    const a = `#!/bin/sh\n${of('.taskstore', 'a', 'created')}`;
    const both = withBlock(a, of('data/.taskstore', 'b'), 'hook', 'data/.taskstore');
    expect(both).toBe(`#!/bin/sh\n${of('data/.taskstore', 'b')}${of('.taskstore', 'a', 'created')}`);
    expect(findBlocks(both).map((span) => span.store)).toEqual(['data/.taskstore', '.taskstore']);
    expect(withBlock(both, of('data/.taskstore', 'b2'), 'hook', 'data/.taskstore')).toBe(`#!/bin/sh\n${of('data/.taskstore', 'b2')}${of('.taskstore', 'a', 'created')}`);
    expect(blockOrigin(both, 'hook', '.taskstore')).toBe('created');
    expect(blockOrigin(both, 'hook', 'data/.taskstore')).toBe('existing');
    expect(withoutBlock(both, 'hook', 'data/.taskstore')).toBe(a);
    expect(withoutBlock(a, 'hook', 'data/.taskstore')).toBeUndefined();
  });

  it('takes a block that names no store (written by an earlier version) as the one to replace or remove', () => {
    const legacy = `#!/bin/sh\n${block('old')}echo mine\n`;
    expect(withBlock(legacy, of('.taskstore', 'new'), 'hook', '.taskstore')).toBe(`#!/bin/sh\n${of('.taskstore', 'new')}echo mine\n`);
    expect(withoutBlock(legacy, 'hook', '.taskstore')).toBe('#!/bin/sh\necho mine\n');
  });

  it('names a store at the work tree root and odd paths losslessly', () => {
    for (const store of ['', 'a b/"q"/.taskstore', 'new\nline']) {
      expect(findBlocks(of(store, 'x'))[0]!.store).toBe(store);
    }
  });
});

describe('withBlock', () => {
  it('starts a new file with #!/bin/sh', () => {
    expect(withBlock(undefined, block('x', 'created'))).toBe(`#!/bin/sh\n${block('x', 'created')}`);
  });

  it('puts the block right after the shebang, before content that may exec or exit', () => {
    const other = '#!/usr/bin/env bash\nexec other-tool "$@"\n';
    expect(withBlock(other, block('x'))).toBe(`#!/usr/bin/env bash\n${block('x')}exec other-tool "$@"\n`);
  });

  it('puts the block at the top of a hook without a shebang', () => {
    expect(withBlock('echo hi\n', block('x'))).toBe(`${block('x')}echo hi\n`);
  });

  it('replaces an existing block in place and keeps the rest byte for byte', () => {
    const before = `#!/bin/sh\necho a\n${block('old')}echo b`;
    expect(withBlock(before, block('new'))).toBe(`#!/bin/sh\necho a\n${block('new')}echo b`);
  });

  it('collapses duplicate blocks into the first one', () => {
    const before = `#!/bin/sh\n${block('one')}middle\n${block('two')}end\n`;
    expect(withBlock(before, block('new'))).toBe(`#!/bin/sh\n${block('new')}middle\nend\n`);
  });

  it('recognises markers in a CRLF file', () => {
    const before = `#!/bin/sh\r\n${BLOCK_START}\r\nold\r\n${BLOCK_END}\r\nrest\r\n`;
    expect(withBlock(before, block('new'))).toBe(`#!/bin/sh\r\n${block('new')}rest\r\n`);
  });
});

describe('withoutBlock', () => {
  it('undoes withBlock exactly', () => {
    for (const before of ['#!/bin/sh\necho a\n', 'echo no shebang\n', '#!/bin/bash\nset -e\nexit 0']) {
      expect(withoutBlock(withBlock(before, block('x')))).toBe(before);
    }
  });

  it('returns undefined when there is no block', () => {
    expect(withoutBlock('#!/bin/sh\necho a\n')).toBeUndefined();
  });
});

describe('findBlocks / blockOrigin', () => {
  it('reads the recorded origin', () => {
    expect(blockOrigin(withBlock(undefined, block('x', 'created')))).toBe('created');
    expect(blockOrigin('#!/bin/sh\n')).toBeUndefined();
  });

  it('treats a block without an origin line as belonging to an existing file', () => {
    expect(blockOrigin(`${BLOCK_START}\nx\n${BLOCK_END}\n`)).toBe('existing');
  });

  it('throws CorruptError naming file and line for an unterminated block', () => {
    let error: unknown;
    try {
      findBlocks(`#!/bin/sh\necho\n${BLOCK_START}\nx\n`, '/repo/.git/hooks/pre-commit');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CorruptError);
    expect((error as CorruptError).message).toMatch(/pre-commit line 3/);
  });
});
