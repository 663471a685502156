/** Stores the feed tests open, each with a quiet logger, closed after every test (a watcher left open keeps polling). */
import { afterEach } from 'vitest';
import { Store, type Logger } from '../../src/index.js';
import { quietLogger } from '../helpers/logger.js';

const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

export function openStore(dir: string, logger: Logger = quietLogger()): Store {
  const store = Store.open(dir, { logger });
  open.push(store);
  return store;
}
