import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, openSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictMarkersError } from '../../src/index.js';
import { Engine as Store } from '../../src/store/engine.js';
import { Journal, encodeJournal, decodeJournal, HEAD_MAX, INLINE_MAX } from '../../src/store/journal.js';
import { fingerprintPrefix, hashBytes } from '../../src/jsonl/log-io.js';
import { NO_FSYNC } from '../../src/fs/durability.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';
import { leaveTornWrite } from '../helpers/torn-write.js';

function storeDir() {
  return join(tempDir(), '.taskstore');
}

function open(dir: string) {
  const logger = quietLogger();
  const store = Store.open(dir, { durability: 'none', logger });
  return { store, logger, notes: store.collection({ name: 'notes' }) };
}

const line = (record: object) => `${JSON.stringify(record)}\n`;

describe('torn last line', () => {
  it('a TaskStore writer left (its journal record names it) is moved to <collection>.jsonl.torn at once and the log cut back to its last complete line', () => {
    const dir = storeDir();
    const { store, notes } = open(dir);
    notes.create({ id: 'a', title: 'kept' });
    store.close();
    const path = join(dir, 'notes.jsonl');
    const good = readFileSync(path, 'utf8');
    leaveTornWrite(dir, 'notes', '{"id":"b","title":"half written","updated_at":1}\n', 27);
    const started = performance.now();
    const reopened = open(dir);
    expect(performance.now() - started).toBeLessThan(1500); // no quiet-wait for our own torn bytes
    expect(readFileSync(path, 'utf8')).toBe(good);
    expect(readFileSync(`${path}.torn`, 'utf8')).toBe('{"id":"b","title":"half wri\n');
    expect(reopened.logger.warnings.join('\n')).toMatch(/notes\.jsonl ended with an incomplete write .* moved to notes\.jsonl\.torn/);
    expect(decodeJournal(readFileSync(join(dir, 'taskstore.journal'))).kind).toBe('empty');
    expect(reopened.notes.get('a')!.title).toBe('kept');
    // A write after recovery starts on a clean line.
    reopened.notes.create({ id: 'c', title: 'next' });
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['a', 'c']);
    const problems = reopened.store.check().problems;
    expect(problems.map((p) => p.kind)).toEqual(['torn_line']);
    expect(problems[0]!.message).toMatch(/notes\.jsonl\.torn holds 1 line/);
  });

  it('a complete record missing only its newline is kept, and the newline added', () => {
    const dir = storeDir();
    const path = join(dir, 'notes.jsonl');
    open(dir).store.close();
    writeFileSync(path, line({ id: 'a', updated_at: 1 }) + JSON.stringify({ id: 'b', updated_at: 2 }));
    const { notes } = open(dir);
    expect(notes.list().map((r) => r.id)).toEqual(['a', 'b']);
    expect(readFileSync(path, 'utf8')).toBe(line({ id: 'a', updated_at: 1 }) + line({ id: 'b', updated_at: 2 }));
    expect(existsSync(`${path}.torn`)).toBe(false);
  });
});

describe('malformed lines', () => {
  it('are skipped with a warning naming file and line, reported by sync() and check(), and never deleted', () => {
    const dir = storeDir();
    open(dir).store.close();
    const path = join(dir, 'notes.jsonl');
    const content = [
      line({ id: 'a', updated_at: 1 }),
      'not json\n',
      '[1,2]\n',
      line({ title: 'no id', updated_at: 1 }),
      line({ id: 'c', updated_at: 'soon' }),
      line({ id: '', updated_at: 1 }),
      line({ id: 'd', updated_at: 1.5 }),
      line({ id: 'b', updated_at: 2 }),
    ].join('');
    writeFileSync(path, content);
    const { store, notes, logger } = open(dir);
    expect(notes.list().map((r) => r.id)).toEqual(['a', 'b']);
    expect(logger.warnings[0]).toMatch(/notes\.jsonl line 2 skipped: not valid JSON/);
    const report = store.sync();
    expect(report.skipped.map((s) => [s.line, s.reason])).toEqual([
      [2, expect.stringMatching(/not valid JSON/)],
      [3, 'not a JSON object'],
      [4, 'no non-empty string "id"'],
      [5, 'no integer "updated_at"'],
      [6, 'no non-empty string "id"'],
      [7, 'no integer "updated_at"'],
    ]);
    expect(report).toMatchObject({ collections: 1, records: 2, lines: 8 });
    const check = store.check();
    expect(check.ok).toBe(false);
    expect(check.problems.filter((p) => p.kind === 'malformed_line').map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7]);
    notes.create({ id: 'e' });
    store.compact();
    const after = readFileSync(path, 'utf8');
    for (const bad of ['not json', '[1,2]', '"no id"', '"soon"', '1.5']) expect(after).toContain(bad);
  });

  it('invalid UTF-8 is reported, not silently decoded, and its bytes survive compaction', () => {
    const dir = storeDir();
    open(dir).store.close();
    const path = join(dir, 'notes.jsonl');
    const bad = Buffer.concat([Buffer.from('{"id":"x","updated_at":1,"t":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    writeFileSync(path, Buffer.concat([Buffer.from(line({ id: 'a', updated_at: 1 })), bad]));
    const { store, notes } = open(dir);
    expect(notes.get('x')).toBeUndefined();
    expect(store.sync().skipped).toEqual([{ collection: 'notes', line: 2, reason: 'not valid UTF-8' }]);
    store.compact();
    expect(readFileSync(path).subarray(-bad.length)).toEqual(bad);
  });
});

describe('conflict markers', () => {
  const conflicted = [
    line({ id: 'a', title: 'base', updated_at: 1 }),
    '<<<<<<< ours\n',
    line({ id: 'b', title: 'ours', updated_at: 5 }),
    '=======\n',
    line({ id: 'b', title: 'theirs', updated_at: 5 }),
    '>>>>>>> theirs\n',
  ].join('');

  it('refuse the collection with an error naming the file and line, while other collections keep working', () => {
    const dir = storeDir();
    const first = open(dir);
    const other = first.store.collection({ name: 'other' });
    other.create({ id: 'o' });
    first.store.close();
    writeFileSync(join(dir, 'notes.jsonl'), conflicted);
    const { store, notes } = open(dir);
    let error: unknown;
    try {
      notes.get('a');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConflictMarkersError);
    expect((error as ConflictMarkersError).code).toBe('CONFLICT_MARKERS');
    expect((error as ConflictMarkersError).line).toBe(2);
    expect((error as Error).message).toMatch(/notes\.jsonl line 2 has a git conflict marker/);
    expect(() => notes.create({ title: 'x' })).toThrow(ConflictMarkersError);
    expect(() => notes.list()).toThrow(ConflictMarkersError);
    expect(readFileSync(join(dir, 'notes.jsonl'), 'utf8')).toBe(conflicted);
    expect(store.collection({ name: 'other' }).get('o')).toBeDefined();
    expect(() => store.sync()).toThrow(ConflictMarkersError);
    const check = store.check();
    expect(check.problems).toContainEqual(expect.objectContaining({ kind: 'conflict_markers', collection: 'notes', line: 2 }));
  });

  it('load normally once the conflict is resolved by keeping one side', () => {
    const dir = storeDir();
    open(dir).store.close();
    writeFileSync(join(dir, 'notes.jsonl'), conflicted);
    const { store, notes } = open(dir);
    expect(() => notes.count()).toThrow(ConflictMarkersError);
    writeFileSync(join(dir, 'notes.jsonl'), line({ id: 'a', title: 'base', updated_at: 1 }) + line({ id: 'b', title: 'ours', updated_at: 5 }));
    store.refresh();
    expect(notes.list().map((r) => r.title)).toEqual(['base', 'ours']);
    expect(store.check().ok).toBe(true);
  });
});

describe('transaction journal', () => {
  it('encodes with a checksum so a torn journal is recognized', () => {
    const entries = [{ file: 'a.jsonl', offset: 0, length: 3, sha1: 'x', prefix: 'y' }];
    const data = encodeJournal(entries);
    expect(decodeJournal(data)).toEqual({ kind: 'entries', entries });
    expect(decodeJournal(data.subarray(0, data.length - 5)).kind).toBe('incomplete');
    expect(decodeJournal(Buffer.alloc(0)).kind).toBe('empty');
  });

  it('is written over in place, never truncated: a shorter record over a longer emptied one reads as itself, an emptied one as empty', () => {
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'taskstore.journal');
    const journal = new Journal(dir, NO_FSYNC);
    try {
      const long = ['notes', 'events'].map((c) => ({ file: `${c}.jsonl`, offset: 10, length: 30, sha1: 'x'.repeat(40), prefix: 'y'.repeat(40) }));
      journal.begin(long);
      expect(journal.isEmpty()).toBe(false);
      journal.end();
      expect(journal.isEmpty()).toBe(true);
      const size = statSync(path).size;
      const short = [{ file: 'a.jsonl', offset: 1, length: 2, sha1: 'z', prefix: 'p' }];
      journal.begin(short, { flush: false });
      expect(journal.isEmpty()).toBe(false);
      expect(statSync(path).size).toBe(size);
      expect(decodeJournal(readFileSync(path))).toEqual({ kind: 'entries', entries: short });
      journal.end();
      expect(decodeJournal(readFileSync(path)).kind).toBe('empty');
    } finally {
      journal.close();
    }
  });

  it('carries the bytes of a commit (up to INLINE_MAX) after its checksum line; a record whose bytes are cut short reads as incomplete', () => {
    const bytes = [Buffer.from(line({ id: 'a', updated_at: 1 })), Buffer.from(line({ id: 'b', updated_at: 2 }))];
    const entries = bytes.map((b, i) => ({ file: `c${i}.jsonl`, offset: 7, length: b.length, sha1: hashBytes(b), prefix: 'p' }));
    const data = encodeJournal(entries, bytes);
    expect(decodeJournal(data)).toEqual({ kind: 'entries', entries, bytes });
    expect(decodeJournal(data.subarray(0, data.length - 1)).kind).toBe('incomplete');
    // A larger commit's record carries the first HEAD_MAX bytes of each log's, checked by their own sha1.
    const dir = storeDir();
    mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir, NO_FSYNC);
    try {
      const large = Buffer.alloc(INLINE_MAX + 1, 0x61);
      const small = Buffer.from(line({ id: 's', updated_at: 3 }));
      const pair = [large, small].map((b, i) => ({ file: `c${i}.jsonl`, offset: 0, length: b.length, sha1: hashBytes(b), prefix: 'p' }));
      journal.begin(pair, { bytes: [large, small] });
      const written = readFileSync(join(dir, 'taskstore.journal'));
      expect(decodeJournal(written)).toEqual({ kind: 'entries', entries: pair, bytes: [large.subarray(0, HEAD_MAX), small] });
      expect(written.length).toBeLessThan(HEAD_MAX + small.length + 1024);
      expect(decodeJournal(written.subarray(0, written.length - 1)).kind).toBe('incomplete');
      // A TaskStore that knows only `inline` reads the record as one without bytes.
      const body = JSON.parse(written.toString('utf8').split('\n')[0]!) as Record<string, unknown>;
      expect(body.inline).toBeUndefined();
      journal.begin(entries, { bytes });
      expect(decodeJournal(readFileSync(join(dir, 'taskstore.journal')))).toEqual({ kind: 'entries', entries, bytes });
    } finally {
      journal.close();
    }
  });

  /** A store whose notes log holds one record: the log, its bytes, and its prefix fingerprint at their end (a journal entry's offset). */
  function oneNoteLog(dir: string) {
    const { store, notes } = open(dir);
    notes.create({ id: 'n0' });
    store.close();
    const path = join(dir, 'notes.jsonl');
    const before = readFileSync(path);
    const fd = openSync(path, 'r');
    const prefix = fingerprintPrefix(fd, before.length);
    closeSync(fd);
    return { path, before, prefix };
  }

  it('a log grown past the end of the commit a record names, with other bytes, was rewritten since: left alone, also when the record does not carry the bytes', () => {
    const dir = storeDir();
    const { path, before, prefix } = oneNoteLog(dir);
    const data = Buffer.from(line({ id: 'dead', updated_at: 10 }));
    const journal = new Journal(dir, NO_FSYNC);
    // As a commit over INLINE_MAX records it: no bytes.
    journal.begin([{ file: 'notes.jsonl', offset: before.length, length: data.length, sha1: hashBytes(data), prefix }]);
    journal.close();
    // Rewritten meanwhile (a pull): the old lines, then longer ones of another clone.
    const pulled = line({ id: 'pulled-with-a-longer-line', title: 'x'.repeat(data.length), updated_at: 5 });
    writeFileSync(path, Buffer.concat([before, Buffer.from(pulled)]));
    const reopened = open(dir);
    expect(reopened.notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['n0', 'pulled-with-a-longer-line']);
    expect(existsSync(`${path}.torn`)).toBe(false);
    expect(reopened.logger.warnings.join('\n')).toMatch(/discarded an interrupted transaction journal: notes\.jsonl changed since/);
  });

  it('a log whose bytes before the record\'s offset changed since, ending short of the commit\'s end, was rewritten: left alone when the record does not carry the bytes', () => {
    const dir = storeDir();
    const { path, before, prefix } = oneNoteLog(dir);
    const data = Buffer.from(line({ id: 'dead', title: 'x'.repeat(200), updated_at: 10 }));
    const journal = new Journal(dir, NO_FSYNC);
    // As a commit over INLINE_MAX records it (or a TaskStore that wrote no bytes): no bytes.
    journal.begin([{ file: 'notes.jsonl', offset: before.length, length: data.length, sha1: hashBytes(data), prefix }]);
    journal.close();
    // Rewritten meanwhile (a checkout, then a pull): the first record changed at the same
    // length, then a line shorter than the commit. Only the prefix fingerprint tells.
    const edited = Buffer.from(before.toString('utf8').replace('"n0"', '"m0"'));
    expect(edited.length).toBe(before.length);
    const pulled = line({ id: 'pulled', updated_at: 5 });
    expect(pulled.length).toBeLessThan(data.length);
    writeFileSync(path, Buffer.concat([edited, Buffer.from(pulled)]));
    const reopened = open(dir);
    expect(reopened.notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['m0', 'pulled']);
    expect(existsSync(`${path}.torn`)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(edited.toString('utf8') + pulled);
    expect(reopened.logger.warnings.join('\n')).toMatch(/discarded an interrupted transaction journal: notes\.jsonl changed since/);
  });

  /**
   * A dead writer's record of a commit larger than INLINE_MAX, its log cut back to the
   * record's offset (`git checkout`) and then given `after` (a pull), or given the first
   * `partial` bytes of the commit (the crash itself).
   */
  function bigCommitThen(dir: string, after: { pulled: string } | { partial: number }) {
    const { path, before, prefix } = oneNoteLog(dir);
    let text = '';
    for (let i = 0; Buffer.byteLength(text) <= INLINE_MAX; i++) text += line({ id: `batch-${i}`, title: 'y'.repeat(200), updated_at: 100 + i });
    const data = Buffer.from(text);
    const journal = new Journal(dir, NO_FSYNC);
    journal.begin([{ file: 'notes.jsonl', offset: before.length, length: data.length, sha1: hashBytes(data), prefix }], { bytes: [data] });
    journal.close();
    writeFileSync(path, Buffer.concat([before, 'pulled' in after ? Buffer.from(after.pulled) : data.subarray(0, after.partial)]));
    return { path, before, data };
  }

  it('a larger commit: lines git wrote past its offset, shorter than the commit, stay in the log', () => {
    const dir = storeDir();
    let pulled = '';
    for (let i = 0; i < 40; i++) pulled += line({ id: `theirs-${i}`, title: 'from the other clone', updated_at: 50 + i });
    const { path } = bigCommitThen(dir, { pulled });
    const { notes, logger } = open(dir);
    expect(notes.count()).toBe(41);
    expect(existsSync(`${path}.torn`)).toBe(false);
    expect(logger.warnings.join('\n')).toMatch(/discarded an interrupted transaction journal: notes\.jsonl changed since/);
  });

  it('a larger commit: its own partial bytes, past the part the record carries, are cut back to .torn', () => {
    const dir = storeDir();
    const { path, before, data } = bigCommitThen(dir, { partial: HEAD_MAX + 5_000 });
    const { notes, logger } = open(dir);
    expect(notes.list().map((r) => r.id)).toEqual(['n0']);
    expect(readFileSync(path)).toEqual(before);
    expect(readFileSync(`${path}.torn`).subarray(0, HEAD_MAX + 5_000)).toEqual(data.subarray(0, HEAD_MAX + 5_000));
    expect(logger.warnings.join('\n')).toMatch(/notes\.jsonl ended with an incomplete write/);
  });

  /** Builds exactly what a crash between the appends of a two-log commit leaves on disk. */
  function crashMidCommit(dir: string, completeSecond: boolean) {
    const { store, notes } = open(dir);
    const events = store.collection({ name: 'events' });
    notes.create({ id: 'n0' });
    events.create({ id: 'e0' });
    store.close();
    const logs = ['notes', 'events'].map((name) => {
      const path = join(dir, `${name}.jsonl`);
      const fd = openSync(path, 'r');
      const offset = fstatSync(fd).size;
      const prefix = fingerprintPrefix(fd, offset);
      closeSync(fd);
      const data = Buffer.from(line({ id: `${name}-new-1`, updated_at: 10 }) + line({ id: `${name}-new-2`, updated_at: 11 }));
      return { path, offset, prefix, data, name };
    });
    const journal = new Journal(dir, NO_FSYNC);
    journal.begin(logs.map((l) => ({ file: `${l.name}.jsonl`, offset: l.offset, length: l.data.length, sha1: hashBytes(l.data), prefix: l.prefix })));
    journal.close();
    appendFileSync(logs[0]!.path, logs[0]!.data);
    appendFileSync(logs[1]!.path, completeSecond ? logs[1]!.data : logs[1]!.data.subarray(0, 30));
    return logs;
  }

  it('rolls back every log when a crash interrupted the commit between files', () => {
    const dir = storeDir();
    const logs = crashMidCommit(dir, false);
    const { store, notes, logger } = open(dir);
    const events = store.collection({ name: 'events' });
    expect(notes.list().map((r) => r.id)).toEqual(['n0']);
    expect(events.list().map((r) => r.id)).toEqual(['e0']);
    for (const log of logs) expect(readFileSync(log.path).length).toBe(log.offset);
    expect(readFileSync(`${logs[0]!.path}.torn`, 'utf8')).toBe(logs[0]!.data.toString());
    expect(logger.warnings.join('\n')).toMatch(/rolled back a transaction interrupted by a crash/);
    expect(decodeJournal(readFileSync(join(dir, 'taskstore.journal'))).kind).toBe('empty');
  });

  it('keeps the transaction when every log holds all of its lines', () => {
    const dir = storeDir();
    crashMidCommit(dir, true);
    const { store, notes } = open(dir);
    expect(notes.list({ orderBy: 'id' }).map((r) => r.id)).toEqual(['n0', 'notes-new-1', 'notes-new-2']);
    expect(store.collection({ name: 'events' }).count()).toBe(3);
    expect(store.check().ok).toBe(true);
  });

  it('discards a stale journal whose logs were replaced since (e.g. by a checkout), touching the replaced log not at all; a log still as the commit found it is cut back', () => {
    const dir = storeDir();
    const logs = crashMidCommit(dir, false);
    writeFileSync(logs[0]!.path, line({ id: 'replaced', updated_at: 1 }));
    const started = performance.now();
    const { store, notes, logger } = open(dir);
    expect(notes.list().map((r) => r.id)).toEqual(['replaced']);
    expect(logger.warnings.join('\n')).toMatch(/discarded an interrupted transaction journal: notes\.jsonl changed since/);
    expect(readFileSync(logs[0]!.path, 'utf8')).toBe(line({ id: 'replaced', updated_at: 1 }));
    expect(existsSync(`${logs[0]!.path}.torn`)).toBe(false);
    // The half line in events.jsonl is the dead commit's (its journal entry still matches):
    // set aside at once, not waited for as another program's.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(readFileSync(logs[1]!.path).length).toBe(logs[1]!.offset);
    expect(readFileSync(`${logs[1]!.path}.torn`, 'utf8')).toBe(`${logs[1]!.data.subarray(0, 30).toString()}\n`);
    expect(store.collection({ name: 'events' }).list().map((r) => r.id)).toEqual(['e0']);
  });
});
