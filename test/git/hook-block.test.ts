import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../src/errors.js';
import { BLOCK_END, BLOCK_START, blockOrigin, findBlocks, originLine, withBlock, withoutBlock } from '../../src/git/hook-block.js';

const block = (text: string, origin: 'created' | 'existing' = 'existing'): string =>
  `${BLOCK_START}\n${originLine(origin)}\n${text}\n${BLOCK_END}\n`;

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
