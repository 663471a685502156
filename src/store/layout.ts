/**
 * The committed files that make a directory a store: `.version` (the on-disk format
 * version) and `.gitignore` (keeps the cache and other local state out of git).
 */
import { appendFileSync, closeSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptError, UnsupportedVersionError, ioError } from '../errors.js';
import { atomicCreateFile, atomicWriteFile } from '../fs/atomic-replace.js';
import { FSYNC, type Durability } from '../fs/durability.js';
import { withLockSync } from '../fs/pid-lock.js';
import { spellControls } from '../jsonl/control-chars.js';
import { directoryError, openLogFile, READ_NO_FOLLOW } from '../fs/open-log-file.js';
import type { Logger } from './options.js';

/** The JSONL format version this code reads and writes. */
export const FORMAT_VERSION = 1;

const GITIGNORE = `# TaskStore local state: the cache is rebuilt from the *.jsonl logs and is never committed.
taskstore.db
taskstore.db-*
taskstore.journal
*.torn
*.rescued
*.lock
*.log
.*.tmp
`;

/**
 * Writes the layout files a store lacks and checks `.version`. Returns true when this
 * call created `.version`, that is, the store: of several processes creating one store at
 * the same moment exactly one gets true (see atomicCreateFile), so `init --json`'s
 * `created` can be trusted by a script that seeds a new store once.
 */
export function ensureLayout(dir: string, logger?: Pick<Logger, 'warn'>, durability: Durability = FSYNC): boolean {
  const versionPath = join(dir, '.version');
  const created = !existsSync(versionPath) && createOrFail(versionPath, `${FORMAT_VERSION}\n`, durability);
  if (!created) {
    const text = readVersionFile(versionPath).trim();
    const version = Number(text);
    if (!/^\d+$/.test(text)) {
      throw new CorruptError(`${versionPath} should hold a format version number, found ${spellControls(JSON.stringify(text.slice(0, 20)))}`, {
        hint: `restore it from git, or write ${FORMAT_VERSION} into it`,
      });
    }
    if (version > FORMAT_VERSION) {
      throw new UnsupportedVersionError(
        `the store in ${dir} uses format version ${version}, newer than this TaskStore understands (${FORMAT_VERSION})`,
        { hint: 'upgrade taskstore', data: { version, supported: FORMAT_VERSION } },
      );
    }
  }
  const ignorePath = join(dir, '.gitignore');
  if (!existsSync(ignorePath)) writeOrFail(ignorePath, GITIGNORE, durability);
  else addMissingIgnores(ignorePath, logger);
  return created;
}

/**
 * `.version`'s text, never read through a symbolic link (as every other store file): git
 * checks links out, and `.version -> ~/.ssh/id_rsa` had its first characters printed in
 * the "should hold a format version number" error. A directory of that name gets an
 * error that says so.
 */
function readVersionFile(path: string): string {
  const fd = openLogFile(path, READ_NO_FOLLOW, "the store's files");
  try {
    return readFileSync(fd, 'utf8');
  } catch (err) {
    // Opening a directory read-only succeeds; reading it fails.
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw directoryError(path, "the store's files", err);
    throw ioError('read', path, err);
  } finally {
    closeSync(fd);
  }
}

/** The patterns of {@link GITIGNORE}, without its comment. */
const IGNORED = GITIGNORE.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/**
 * Appends to an existing `.gitignore` the TaskStore entries it lacks (a store written by
 * the Rust TaskStore ignores only its own cache files, so the journal and the rest would
 * show up in `git status`). The user's lines are never changed or removed; an entry the
 * user negated (`!taskstore.journal`) counts as present. A file that cannot be written
 * (read-only checkout) only gets a warning: opening the store must not fail over it.
 */
function addMissingIgnores(path: string, logger: Pick<Logger, 'warn'> | undefined): void {
  if (lstatSync(path).isSymbolicLink()) {
    // Never written through: git checks links out, and `.gitignore -> ~/.bashrc` would
    // have TaskStore's lines appended to whatever the link names.
    logger?.warn(`${path} is a symbolic link; TaskStore does not write through links, so it does not check its entries (replace it with a file)`);
    return;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    logger?.warn(`cannot read ${path} (${(err as Error).message}); not checking its entries`);
    return;
  }
  const missing = missingIgnores(text);
  if (missing.length === 0) return;
  // Several processes opening the store at once (agents started together after an
  // upgrade) each read the file, each found the entries missing and each appended the
  // block: decided again, and appended, by one process at a time.
  try {
    withLockSync(`${path}.lock`, IGNORE_LOCK_TIMEOUT_MS, () => new Error(`another process has held ${path}.lock for ${IGNORE_LOCK_TIMEOUT_MS / 1000} s`), () => appendMissingIgnores(path));
  } catch (err) {
    logger?.warn(`cannot add ${missing.join(', ')} to ${path} (${(err as Error).message}); add them by hand so git ignores them`);
  }
}

/** How long an open waits for another process adding the entries (a few file operations). */
const IGNORE_LOCK_TIMEOUT_MS = 10_000;

/** The entries of {@link IGNORED} the `.gitignore` text lacks; a negated one (`!taskstore.journal`) counts as present. */
function missingIgnores(text: string): string[] {
  const present = new Set(text.split('\n').map((line) => line.trim().replace(/^!/, '')));
  return IGNORED.filter((entry) => !present.has(entry));
}

/** Appends the entries `.gitignore` lacks, read again (call it holding the file's lock). */
function appendMissingIgnores(path: string): void {
  const text = readFileSync(path, 'utf8');
  const missing = missingIgnores(text);
  if (missing.length === 0) return;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lead = text === '' || text.endsWith('\n') ? '' : eol;
  const block = ['# Added by TaskStore: local state that is never committed.', ...missing].map((line) => line + eol).join('');
  appendFileSync(path, lead + block);
}

/**
 * Writes a new layout file whole or not at all (see fs/atomic-replace.ts): several
 * processes opening a new store at once must never read a `.version` another one has
 * created but not yet filled.
 */
/** {@link atomicCreateFile}, its errors labelled: true when this call created `path`. */
function createOrFail(path: string, content: string, durability: Durability): boolean {
  try {
    return atomicCreateFile(path, content, { durability });
  } catch (err) {
    throw ioError('write', path, err);
  }
}

function writeOrFail(path: string, content: string, durability: Durability): void {
  try {
    atomicWriteFile(path, content, { durability });
  } catch (err) {
    throw ioError('write', path, err);
  }
}
