/** Blocking sleep: the store's API is synchronous (like better-sqlite3's), so its waits block the thread. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
