/**
 * Reading one record the way the library's `getX` methods read it: the current version,
 * with the defaults of its built-in record type filled in (other collections: as
 * stored). Shared by the CLI, the MCP server and the dashboard.
 */
import { withReadDefaults, type Store } from '../index.js';

/** The current version of `id` in `collection`, defaults filled in; undefined when absent or deleted. */
export function readRecord(store: Store, collection: string, id: string): Record<string, unknown> | undefined {
  const record = store.collection({ name: collection }).get(id);
  return record === undefined ? undefined : withReadDefaults(collection, record);
}
