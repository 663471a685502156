/**
 * Arguments of the wrong type given to functions exported from the package entry: each is
 * refused with the library's argument TypeError (`code: 'VALIDATION'`, `field` naming the
 * argument), not a raw TypeError from node or SQLite without a code, and never taken as
 * some other input (an empty path as the current directory, a string as a list of ids).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assertCollectionName,
  Collection,
  Store,
  commitStoreBranchSetup,
  findStoreBranchDir,
  gitIntegrationStatus,
  installGitIntegration,
  InvalidNameError,
  remoteStoreBranches,
  setUpStoreBranch,
  syncStatus,
  ValidationError,
  withReadDefaults,
} from '../../src/index.js';
import { GitRepo } from '../helpers/git-repo.js';
import { tempDir } from '../helpers/temp.js';
import { openStore, thrown } from '../records/helpers.js';

/** Not strings, and strings that name no directory: '' (resolved, the current directory), blank, with NUL. */
const NOT_PATHS: unknown[] = [5, null, undefined, {}, ['/tmp'], true, 5n, Symbol('path'), '', '  ', 'a\0b'];

function expectArgumentError(fn: () => unknown, field: string): void {
  const err = thrown(fn) as unknown;
  expect(err, String(err)).toBeInstanceOf(TypeError);
  expect(err).toMatchObject({ code: 'VALIDATION', field });
}

describe('the store-branch discovery functions', () => {
  it('findStoreBranchDir and remoteStoreBranches refuse a cwd that is not a path (a raw ERR_INVALID_ARG_TYPE without code VALIDATION; "" acted on the current directory)', () => {
    for (const cwd of NOT_PATHS) {
      expectArgumentError(() => findStoreBranchDir(cwd as never), 'cwd');
      expectArgumentError(() => remoteStoreBranches(cwd as never), 'cwd');
    }
    const plain = tempDir();
    expect(findStoreBranchDir(plain)).toBeUndefined();
    expect(remoteStoreBranches(plain)).toEqual([]);
  });

  it('commitStoreBranchSetup and setUpStoreBranch refuse a path that is not one, and a branch name that cannot go to git, changing nothing', () => {
    for (const worktree of NOT_PATHS) expectArgumentError(() => commitStoreBranchSetup(worktree as never), 'worktree');
    const repo = GitRepo.init();
    repo.write('README.md', '# project\n');
    repo.commitAll('code');
    const before = repo.git('for-each-ref');
    for (const cwd of NOT_PATHS) expectArgumentError(() => setUpStoreBranch({ cwd: cwd as never, branch: 'taskstore' }), 'cwd');
    for (const branch of [5, 5n, null, Symbol('b')]) expectArgumentError(() => setUpStoreBranch({ cwd: repo.dir, branch: branch as never }), 'branch');
    const nul = thrown(() => setUpStoreBranch({ cwd: repo.dir, branch: 'task\0store' }));
    expect(nul).toBeInstanceOf(ValidationError);
    expect(nul).toMatchObject({ field: 'branch', message: '"task\\u0000store" is not a valid git branch name' });
    expect(repo.git('for-each-ref')).toBe(before);
    expect(repo.tryGit('config', '--get', 'taskstore.branch').status).toBe(1);
  });
});

describe('the git-integration functions given a storeDir', () => {
  it('a storeDir with NUL is refused like one that is not a string (syncStatus answered "not in git" for it, install named a path with a space in its place)', () => {
    const repo = GitRepo.init();
    for (const storeDir of NOT_PATHS) {
      expectArgumentError(() => syncStatus(storeDir as never), 'storeDir');
      expectArgumentError(() => gitIntegrationStatus({ storeDir: storeDir as never }), 'storeDir');
      expectArgumentError(() => installGitIntegration({ storeDir: storeDir as never, cwd: repo.dir }), 'storeDir');
    }
    expect(repo.tryGit('config', '--get', 'merge.taskstore.driver').status).toBe(1);
    expect(readdirSync(repo.dir).sort()).toEqual(['.git']);
  });
});

describe('withReadDefaults', () => {
  it('refuses a record that is not an object (a raw "Cannot read properties of null") and a collection that is not a name, instead of returning the record without its defaults', () => {
    for (const record of [null, 5, 'text', [], true, undefined]) {
      expectArgumentError(() => withReadDefaults('prds', record as never), 'record');
      expectArgumentError(() => withReadDefaults('notes', record as never), 'record');
    }
    const array: unknown[] = [];
    thrown(() => withReadDefaults('prds', array as never));
    expect(Object.keys(array)).toEqual([]); // not filled in
    for (const collection of [5, null, undefined, {}]) expectArgumentError(() => withReadDefaults(collection as never, {}), 'collection');
    expect(thrown(() => withReadDefaults('taskSpecs', {}))).toBeInstanceOf(InvalidNameError);
    // Valid input as before: defaults filled in for a built-in type, other collections unchanged.
    expect(withReadDefaults('task_specs', { id: 't1' })).toMatchObject({ id: 't1', dependencies: [] });
    expect(withReadDefaults('notes', { id: 'n1' })).toEqual({ id: 'n1' });
  });
});

describe('store methods that took wrong input as other input', () => {
  it('liveNeighbourIds refuses ids that are not an array of strings (a string or a number was looked up as one id, a number compared below every id)', () => {
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const id of ['a', 'c', 'e']) notes.create({ id });
    for (const ids of ['c', 5, true, null, {}, [5], ['b', null]]) expectArgumentError(() => store.liveNeighbourIds('notes', ids as never), 'ids');
    expect(store.liveNeighbourIds('notes', ['c'])).toEqual(['a', 'e']);
    store.close();
  });

  it('changes() refuses options that are not an object (5 and null subscribed to every collection, "x" was an unknown option "0"), as watch() does', () => {
    const { store } = openStore();
    for (const options of [5, null, 'x', true, []]) {
      expectArgumentError(() => store.changes(options as never), 'options');
      expectArgumentError(() => store.watch(() => {}, options as never), 'options');
    }
    void store.changes({ collections: ['notes'] }).return?.();
    store.close();
  });
});

describe('the classes', () => {
  it('new Store(dir) and new Collection() are refused with a message naming the way in (they made objects whose every method failed reading undefined)', () => {
    const dir = tempDir();
    for (const make of [() => new (Store as any)(dir), () => new (Store as any)()]) {
      expect(() => make()).toThrow(new TypeError('a Store is not constructed directly: open one with Store.open(dir)'));
    }
    const { store } = openStore();
    const notes = store.collection({ name: 'notes' });
    for (const make of [() => new (Collection as any)(), () => new (Collection as any)({}, 'notes', undefined)]) {
      expect(() => make()).toThrow(new TypeError('a Collection is not constructed directly: get one from store.collection({ name })'));
    }
    expect(notes).toBeInstanceOf(Collection);
    expect(notes.create({ id: 'n1' })).toBe('n1');
    store.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('assertCollectionName', () => {
  it('names what it was given whatever its type (a bigint threw "Do not know how to serialize a BigInt", a symbol read as undefined)', () => {
    for (const [name, shown] of [
      [5n, '5n'],
      [Symbol('s'), 'Symbol(s)'],
      [() => 'notes', 'a function'],
      [5, '5'],
      [null, 'null'],
      ['Notes', '"Notes"'],
    ] as const) {
      const err = thrown(() => assertCollectionName(name));
      expect(err).toBeInstanceOf(InvalidNameError);
      expect(err.message).toBe(`invalid collection name ${shown}: use 1-64 characters of a-z, 0-9 and _, starting with a letter`);
    }
  });
});
