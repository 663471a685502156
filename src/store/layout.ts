/**
 * The committed files that make a directory a store: `.version` (the on-disk format
 * version) and `.gitignore` (keeps the cache and other local state out of git).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptError, UnsupportedVersionError, ioError } from '../errors.js';

/** The JSONL format version this code reads and writes. */
export const FORMAT_VERSION = 1;

export const GITIGNORE = `# TaskStore local state: the cache is rebuilt from the *.jsonl logs and is never committed.
taskstore.db
taskstore.db-*
taskstore.journal
*.torn
*.rescued
*.lock
*.log
.*.tmp
`;

export function ensureLayout(dir: string): void {
  const versionPath = join(dir, '.version');
  if (existsSync(versionPath)) {
    const text = readFileSync(versionPath, 'utf8').trim();
    const version = Number(text);
    if (!/^\d+$/.test(text)) {
      throw new CorruptError(`${versionPath} should hold a format version number, found ${JSON.stringify(text.slice(0, 20))}`, {
        hint: `restore it from git, or write ${FORMAT_VERSION} into it`,
      });
    }
    if (version > FORMAT_VERSION) {
      throw new UnsupportedVersionError(
        `the store in ${dir} uses format version ${version}, newer than this TaskStore understands (${FORMAT_VERSION})`,
        { hint: 'upgrade taskstore', data: { version, supported: FORMAT_VERSION } },
      );
    }
  } else {
    writeOrFail(versionPath, `${FORMAT_VERSION}\n`);
  }
  const ignorePath = join(dir, '.gitignore');
  if (!existsSync(ignorePath)) writeOrFail(ignorePath, GITIGNORE);
}

function writeOrFail(path: string, content: string): void {
  try {
    writeFileSync(path, content);
  } catch (err) {
    throw ioError('write', path, err);
  }
}
