/** `store.watch()` and `store.changes()`: wiring the change feed (`../../feed/`) to the engine. */
import { argumentTypeError, assertCollectionArgument, assertFunction, parseOptionsArgument } from '../arguments.js';
import { ChangeFeed, type Subscription } from '../../feed/feed.js';
import { isPlainObject } from '../record-input.js';
import type { Change, ChangesOptions, WatchOptions } from '../../feed/change.js';
import { changeIterator } from '../../feed/change-iterator.js';
import type { Engine } from '../engine.js';

export function watch(engine: Engine, listener: (change: Change) => void, options: WatchOptions = {}): () => void {
  engine.assertOpen();
  assertFunction('listener', listener, 'a listener function');
  return subscribe(engine, listener, options).unsubscribe;
}

export function changes(engine: Engine, options: ChangesOptions = {}): AsyncIterableIterator<Change> {
  engine.assertOpen();
  // Destructured, `5` and `null` read as no options (every collection, from now), `'x'` as an unknown option `0`.
  if (options !== undefined && !isPlainObject(options)) throw argumentTypeError('options', 'an object such as { since: … }', options);
  const { signal, ...watchOptions } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw argumentTypeError('signal', 'an AbortSignal', signal);
  checkWatchOptions(watchOptions);
  return changeIterator((listener, onEnd, wantsReplay) => subscribe(engine, listener, watchOptions, onEnd, wantsReplay), signal);
}

function checkWatchOptions(options: WatchOptions): void {
  if (typeof options !== 'object' || options === null) throw argumentTypeError('options', 'an object', options);
  // A misspelt `collections` would otherwise subscribe to every collection without a word.
  parseOptionsArgument(options, ['collections', 'since']);
  if (options.collections !== undefined) {
    if (!Array.isArray(options.collections)) throw argumentTypeError('collections', 'an array of collection names', options.collections);
    for (const name of options.collections) assertCollectionArgument(name, 'collections');
  }
  const { since } = options;
  if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since))) {
    throw argumentTypeError('since', 'an integer number of Unix milliseconds', since);
  }
}

/**
 * `data_version` numbers are per connection: a cache reopened (deleted under the store)
 * starts counting again, so its numbers must not be mistaken for the old connection's.
 */
const connections = new WeakMap<object, number>();
let lastConnection = 0;
function connectionSerial(cache: object): number {
  let serial = connections.get(cache);
  if (serial === undefined) connections.set(cache, (serial = ++lastConnection));
  return serial;
}

function subscribe(
  engine: Engine,
  listener: (change: Change) => void,
  options: WatchOptions,
  onEnd?: () => void,
  wantsReplay?: () => boolean,
): Subscription {
  checkWatchOptions(options);
  if (engine.scope !== undefined) throw new TypeError('watch() and changes() cannot be called inside a transaction');
  engine.feed ??= new ChangeFeed({
    dir: engine.dir,
    logger: engine.options.logger,
    cache: () => {
      const reopened = !engine.cache.isCurrentFile();
      if (reopened) engine.reopenCache();
      return { cache: engine.cache, reopened };
    },
    catchUp: () => void engine.refresh(),
    cacheVersion: () => {
      const row = engine.cache.selectAll<{ others: number; own: number }>('SELECT data_version AS others, total_changes() AS own FROM pragma_data_version')[0]!;
      return { others: `${connectionSerial(engine.cache)}:${row.others}`, own: row.own };
    },
  });
  return engine.feed.subscribe(listener, options.collections, options.since, onEnd, wantsReplay);
}
