import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { defaultCommandPaths, findPackageRoot, mergeDriverCommand } from '../../src/git/command-paths.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

describe('findPackageRoot', () => {
  it('walks up from src/git to the taskstore package', () => {
    const root = findPackageRoot(join(REPO_ROOT, 'src', 'git'));
    expect(root).toBe(REPO_ROOT);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('taskstore');
  });

  it('finds the package from a bundled chunk location under dist/ too', () => {
    expect(findPackageRoot(join(REPO_ROOT, 'dist', 'cli'))).toBe(REPO_ROOT);
  });

  it('skips package.json files of other packages on the way up', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'taskstore' }));
    mkdirSync(join(dir, 'node_modules', 'other', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'other', 'package.json'), JSON.stringify({ name: 'other' }));
    writeFileSync(join(dir, 'node_modules', 'other', 'lib', 'package.json'), 'not json');
    expect(findPackageRoot(join(dir, 'node_modules', 'other', 'lib'))).toBe(dir);
  });

  it('throws IoError when there is no taskstore package above', () => {
    expect(() => findPackageRoot(tempDir())).toThrow(IoError);
  });
});

describe('defaultCommandPaths', () => {
  it('names this node and the package dist entries, all absolute', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    expect(here.startsWith(REPO_ROOT)).toBe(true);
    expect(defaultCommandPaths()).toEqual({
      node: process.execPath,
      cli: join(REPO_ROOT, 'dist', 'cli', 'main.js'),
      mergeDriver: join(REPO_ROOT, 'dist', 'cli', 'merge-main.js'),
    });
  });
});

describe('mergeDriverCommand', () => {
  it('is <node> <merge-main.js> %O %A %B %P', () => {
    expect(mergeDriverCommand({ node: '/usr/bin/node', cli: '/x/main.js', mergeDriver: '/x/merge-main.js' })).toBe(
      '/usr/bin/node /x/merge-main.js %O %A %B %P',
    );
  });

  it('quotes spaces and quotes, and doubles %, so sh sees the exact paths after git expands placeholders', () => {
    const command = mergeDriverCommand({ node: "/opt/my node/it's/node", cli: '', mergeDriver: '/x/100% sure/merge.js' });
    expect(command).toBe(`'/opt/my node/it'\\''s/node' '/x/100%% sure/merge.js' %O %A %B %P`);
    // What sh receives once git has turned %% back into %:
    const expanded = command.replace(/%%/g, '%').replace(' %O %A %B %P', '');
    const argv = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${expanded}`], { encoding: 'utf8' }).stdout;
    expect(argv).toBe("/opt/my node/it's/node\n/x/100% sure/merge.js\n");
  });
});
