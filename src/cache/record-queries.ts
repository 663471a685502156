/**
 * The records layer's named queries over the cache tables, for the store's `queryCache`:
 * each takes the quoted table names it reads (in the order the caller lists their
 * collections) and returns one read-only SELECT. They read only the current live
 * versions (`state = STATE_LIVE`) and the records' JSON (`data`). Field names come from
 * the record-type registry, never from user input.
 */
import { STATE_LIVE, liveRow } from './row-state.js';

/** How a reference field is stored: one id (maybe null), or a list of ids. */
interface ReferenceShape {
  field: string;
  many?: boolean;
  nullable?: boolean;
}

/**
 * Live dependencies sent from or to one execution (bind its id twice), oldest first
 * (`created_at`, then id). The two sides are looked up apart, each in its field's index:
 * written as one `from = ? OR to = ?`, SQLite scanned the whole `to_exec_id` index instead
 * (11 ms a call at 10,000 dependencies, 0.02 ms this way).
 */
export const dependenciesOfExecution = (deps: string): string => `
        SELECT data FROM ${deps}
        WHERE seq IN (
          SELECT seq FROM ${deps} WHERE state = ${STATE_LIVE} AND json_extract(data, '$.from_exec_id') = ?
          UNION ALL
          SELECT seq FROM ${deps} WHERE state = ${STATE_LIVE} AND json_extract(data, '$.to_exec_id') = ?)
        ORDER BY json_extract(data, '$.created_at'), id`;

/** Task specs (`ts_id`) with two or more running executions: `n` of them, `ids` comma-separated in id order. */
export const doublyClaimedSpecs = (execs: string): string => `
          SELECT json_extract(data, '$.ts_id') AS ts_id, count(*) AS n, group_concat(id, ', ') AS ids
          FROM (SELECT id, data FROM ${execs} WHERE state = ${STATE_LIVE} AND json_extract(data, '$.status') = 'running' ORDER BY id)
          GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`;

/**
 * Live records of table `t` whose `status` is missing or not one of `values` (only a
 * hand-written line can hold one): `type` is the JSON type of the stored value (null when
 * there is none), `json` its JSON text; in id order, at most `limit`.
 */
export const invalidStatuses = (values: readonly string[], limit: number) => (t: string): string => `
          SELECT id, json_type(data, '$.status') AS type, json_quote(json_extract(data, '$.status')) AS json FROM ${t}
          WHERE state = ${STATE_LIVE} AND (json_type(data, '$.status') IS NOT 'text' OR json_extract(data, '$.status') NOT IN (${values.map((v) => `'${v}'`).join(', ')}))
          ORDER BY id LIMIT ${limit}`;

/** Workflow names shared by two or more live workflows, with their `ids` comma-separated in id order. */
export const duplicateWorkflowNames = (wfs: string): string => `
          SELECT json_extract(data, '$.name') AS name, min(id) AS first, group_concat(id, ', ') AS ids FROM (SELECT * FROM ${wfs} WHERE state = ${STATE_LIVE} ORDER BY id)
          GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`;

/** Ids of the live records of table `t` whose reference field names the bound id, in id order. */
export function referrers(ref: ReferenceShape): (t: string) => string {
  return ref.many === true
    ? (t) =>
        `SELECT s.id AS id FROM ${t} AS s WHERE s.state = ${STATE_LIVE} AND EXISTS (SELECT 1 FROM json_each(s.data, '$.${ref.field}') AS e WHERE e.value = ?) ORDER BY s.id`
    : (t) => `SELECT s.id AS id FROM ${t} AS s WHERE s.state = ${STATE_LIVE} AND json_extract(s.data, '$.${ref.field}') = ? ORDER BY s.id`;
}

/**
 * Live records of `src` whose reference field names no live record of `dst`, as the
 * readers of the field see it: `id`, the dangling `ref`, its JSON type `type` and JSON
 * text `json`, in id order (then list position). Only a string names a record: a number
 * that spells a live id does not (readiness and the completion cascade skip it too). A
 * null single reference names nothing when the field is nullable. A list field whose
 * value is not an array (a hand-written line; null or absent: no entries) is one row with
 * `whole` = 1: readiness counts such a value as one unmet dependency.
 */
export function danglingReferences(ref: ReferenceShape): (src: string, dst: string) => string {
  const path = `'$.${ref.field}'`;
  const missing = (dst: string, value: string) => `NOT EXISTS (SELECT 1 FROM ${dst} AS d WHERE d.id = ${value} AND ${liveRow('d.')})`;
  return ref.many === true
    ? (src, dst) => `
          SELECT * FROM (
            SELECT s.id AS id, dep.value AS ref, dep.type AS type, s.data -> dep.fullkey AS json, 0 AS whole, dep.key AS pos
            FROM ${src} AS s, json_each(s.data, ${path}) AS dep
            WHERE s.state = ${STATE_LIVE} AND json_type(s.data, ${path}) = 'array'
              AND (dep.type <> 'text' OR ${missing(dst, 'dep.value')})
            UNION ALL
            SELECT s.id, NULL, json_type(s.data, ${path}), s.data -> ${path}, 1, -1
            FROM ${src} AS s
            WHERE s.state = ${STATE_LIVE} AND json_type(s.data, ${path}) NOT IN ('array', 'null'))
          ORDER BY id, pos`
    : (src, dst) => `
          SELECT s.id AS id, json_extract(s.data, ${path}) AS ref, json_type(s.data, ${path}) AS type, s.data -> ${path} AS json, 0 AS whole FROM ${src} AS s
          WHERE s.state = ${STATE_LIVE}${ref.nullable === true ? ` AND json_extract(s.data, ${path}) IS NOT NULL` : ''}
            AND (json_type(s.data, ${path}) IS NOT 'text' OR ${missing(dst, `json_extract(s.data, ${path})`)})
          ORDER BY s.id`;
}
