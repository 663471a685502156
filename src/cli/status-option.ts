import { UsageError } from './errors.js';
import { visible } from './terminal-safe.js';

/**
 * The `--status` filter of a list command: one of the record type's statuses, else a
 * usage error (exit 2) like every other malformed option value, before the store is
 * opened. It was VALIDATION (exit 1), the code of a failure, for a typo in a script.
 * @example statusOption(['pending', 'running'], 'runing', 'list-task-specs') // throws: --status must be one of pending, running (got "runing")
 */
export function statusOption<S extends string>(statuses: readonly S[], value: string, command: string): S {
  if ((statuses as readonly string[]).includes(value)) return value as S;
  throw new UsageError(`--status must be one of ${statuses.join(', ')} (got ${visible(JSON.stringify(value), true)})`, {
    hint: `run \`taskstore ${command} --help\` for usage`,
  });
}
