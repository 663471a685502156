import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapePercent, shellQuote } from '../../src/git/shell-quote.js';

/** What /bin/sh (dash) makes of the quoted word. */
function throughSh(word: string): string {
  return spawnSync('/bin/sh', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' }).stdout;
}

describe('shellQuote', () => {
  it('leaves plain paths alone', () => {
    expect(shellQuote('/usr/local/bin/node')).toBe('/usr/local/bin/node');
    expect(shellQuote('.taskstore')).toBe('.taskstore');
  });

  it.each([
    '/my dir/node',
    "/it's/here.js",
    '$HOME/`id`/x',
    '"double"',
    'back\\slash',
    'tab\there',
    '*.jsonl',
    '%P',
    '',
    "''",
    'ünïcødé dir',
  ])('round-trips %j through sh as one word', (value) => {
    expect(throughSh(shellQuote(value))).toBe(value);
  });
});

describe('escapePercent', () => {
  it('doubles every % so git placeholder expansion leaves it literal', () => {
    expect(escapePercent('/x/100%/50%P')).toBe('/x/100%%/50%%P');
  });
});
