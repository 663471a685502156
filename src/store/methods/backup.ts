/** `store.backup(dest)`: the copy itself is `../backup.ts`; here it runs under the engine's write lock. */
import { backupStore, type BackupReport } from '../backup.js';
import type { Engine } from '../engine.js';
import { assertString } from '../arguments.js';

/** Copies every `<collection>.jsonl` and `.version` into `dest` while holding the write lock (a consistent snapshot). */
export function backup(engine: Engine, dest: string): BackupReport {
  engine.assertOpen();
  assertString('dest', dest);
  return backupStore(engine.dir, dest, (copy) => engine.write(copy));
}
