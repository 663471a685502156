/**
 * A callback given to the store that is an async function (or returns a promise) and
 * rejects: nobody awaits it, and an unhandled rejection ends a Node process by default.
 * Each case runs in a real child process against dist/, so such a rejection would
 * actually crash it; each rejection is told the way the same callback's throw is.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIST } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp.js';

function runChild(body: string): { status: number | null; stdout: string; stderr: string } {
  const dir = join(tempDir(), '.taskstore');
  const script = `import { Store } from ${JSON.stringify(join(DIST, 'index.js'))};
const dir = ${JSON.stringify(dir)};
const settle = () => new Promise((r) => setTimeout(r, 100));
${body}
console.log('survived');`;
  const child = spawnSync(process.execPath, ['--unhandled-rejections=throw', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('a callback whose promise rejects', () => {
  it("watch(): an async listener's rejection is logged through the store's logger, like its throw; the feed goes on", () => {
    const { status, stdout, stderr } = runChild(`
const store = Store.open(dir, { durability: 'none' });
const seen = [];
store.watch(async (c) => { throw new Error('listener failed on ' + c.id); });
store.watch((c) => seen.push(c.id));
const notes = store.collection({ name: 'notes' });
notes.create({ id: 'a' });
await settle();
notes.create({ id: 'b' });
await settle();
store.close();
console.log(seen.join(','));`);
    expect(stderr).toContain("taskstore: error: a change listener's promise rejected: listener failed on a\n");
    expect(stderr).toContain("taskstore: error: a change listener's promise rejected: listener failed on b\n");
    expect(stdout).toBe('a,b\nsurvived\n');
    expect(status).toBe(0);
  });

  it("sync(), compact(), check(): an async onProgress is not awaited; its rejection is logged and the operation completes", () => {
    const { status, stdout, stderr } = runChild(`
const store = Store.open(dir, { durability: 'none' });
store.collection({ name: 'notes' }).create({ id: 'a' });
const onProgress = async (done, total) => { throw new Error('bar gone at ' + done + '/' + total); };
console.log(store.sync({ onProgress }).records);
console.log(store.compact('notes', { onProgress }).collections.length);
console.log(store.check({ onProgress }).ok);
await settle();
store.close();`);
    for (const op of ['sync()', 'compact()', 'check()']) {
      expect(stderr).toMatch(new RegExp(`taskstore: error: ${op.replace(/[()]/g, '\\$&')}: a promise its onProgress callback returned rejected \\(progress callbacks are not awaited\\): bar gone at \\d+/\\d+\\n`));
    }
    expect(stdout).toBe('1\n1\ntrue\nsurvived\n');
    expect(status).toBe(0);
  });

  it("a logger whose methods are async: a rejection goes to stderr with the message, like a throw, and changes nothing the store does", () => {
    const { status, stdout, stderr } = runChild(`
const { appendFileSync } = await import('node:fs');
const logger = { debug() {}, info() {}, warn: async (m) => { throw new Error('log closed'); }, error: async (m) => { throw new Error('log closed'); } };
const store = Store.open(dir, { durability: 'none', logger });
const notes = store.collection({ name: 'notes' });
notes.create({ id: 'a' });
appendFileSync(dir + '/notes.jsonl', 'garbage\\n');
console.log(notes.create({ id: 'b' }));
await settle();
store.close();`);
    expect(stderr).toMatch(/^taskstore: the logger's warn method rejected \(log closed\); the message was: notes\.jsonl line 2 skipped/m);
    expect(stdout).toBe('b\nsurvived\n');
    expect(status).toBe(0);
  });

  it('transaction(): an async function is refused with a TypeError and rolled back; what its promise rejects with is logged, not a crash', () => {
    const { status, stdout, stderr } = runChild(`
const store = Store.open(dir, { durability: 'none' });
const notes = store.collection({ name: 'notes' });
try {
  store.transaction(async () => { notes.create({ id: 'a' }); throw new Error('too late'); });
} catch (err) {
  console.log(err.name + ': ' + err.message);
}
await settle();
console.log(notes.list().length);
store.close();`);
    expect(stdout).toBe('TypeError: Transaction function cannot return a promise: TaskStore transactions are synchronous\n0\nsurvived\n');
    expect(stderr).toContain('taskstore: error: a transaction function returned a promise (the transaction was rolled back), and that promise rejected: too late\n');
    expect(status).toBe(0);
  });

  it("a schema whose parse is async: the write is refused with a ValidationError saying so, and its rejection does not crash the process", () => {
    const { status, stdout, stderr } = runChild(`
const store = Store.open(dir, { durability: 'none' });
const notes = store.collection({ name: 'notes', schema: { parse: async (v) => { throw new Error('title required'); } } });
try {
  notes.create({ id: 'a' });
} catch (err) {
  console.log(err.name + ': ' + err.message);
}
await settle();
console.log(notes.list().length);
store.close();`);
    expect(stdout).toBe("ValidationError: the schema returned a promise: a schema's parse must validate synchronously\n0\nsurvived\n");
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
