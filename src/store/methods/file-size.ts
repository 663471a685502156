import { statSync } from 'node:fs';

/** Size of the file at `path` in bytes; 0 when it does not exist (a collection without a log yet). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
