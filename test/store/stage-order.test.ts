/**
 * Staging a line catches the collection up before it records where the append starts:
 * lines another process appended since this one last looked come first, and the append
 * goes after them (a stale start offset would refuse the write as a foreign change).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/store/engine.js';
import { tempDir } from '../helpers/temp.js';
import { quietLogger } from '../helpers/logger.js';

describe('stage()', () => {
  it('appends after lines another process added, even when nothing read the collection first', () => {
    const dir = join(tempDir(), '.taskstore');
    const engine = Engine.open(dir, { durability: 'none', logger: quietLogger() });
    const notes = engine.collection({ name: 'notes' });
    notes.create({ id: 'a', text: 'mine' });
    // Another writer's complete line, appended behind this engine's back.
    appendFileSync(join(dir, 'notes.jsonl'), `${JSON.stringify({ id: 'b', updated_at: 5, text: 'theirs' })}\n`);
    engine.write(() => engine.stage('notes', { id: 'c', updated_at: 7, text: 'staged' }));
    expect(notes.list().map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(engine.check().problems).toEqual([]);
    engine.close();
  });
});
