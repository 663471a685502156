/** Every collection with its record count, and any collection as a filterable, paged table. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AnyRecord, CollectionPageResponse, CollectionsResponse } from '../../api-types.js';
import { useApi } from '../api-client.js';
import { ErrorBox, Loading, PagedTable, RecordLink } from '../components.js';
import { clip, count, formatTime, isTimeField, uniquePrefixes, valueText } from '../format.js';
import { formatFilter, parseFilter } from '../filter.js';
import { href } from '../router.js';

export function CollectionsView({ version }: { version: number }) {
  const { data, error } = useApi<CollectionsResponse>('/api/collections', version);
  if (error !== undefined) return <ErrorBox error={error} />;
  if (data === undefined) return <Loading />;
  return (
    <section>
      <h1>Collections</h1>
      <ul class="collections" data-testid="collections">
        {data.collections.map((c) => (
          <li key={c.name}>
            <a href={href.collection(c.name)}>{c.name}</a> <span class="muted">{count(c.count)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

const PAGE = 50;
/** Columns shown at most; the rest are on the record's page. */
const MAX_COLUMNS = 8;

function columnsOf(records: AnyRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  const keys = [...seen].filter((k) => k !== 'id' && k !== 'content');
  // Fields in the order first met (the first record's first), the rest cut when there are too many.
  return ['id', ...keys.slice(0, MAX_COLUMNS - 1)];
}

export function CollectionView({ name, params, version }: { name: string; params: URLSearchParams; version: number }) {
  const whereText = params.get('where') ?? '';
  const orderBy = params.get('orderBy') ?? '';
  const offset = Number(params.get('offset') ?? '0') || 0;
  const api = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (whereText !== '') api.set('where', whereText);
  if (orderBy !== '') api.set('orderBy', orderBy);
  const { data, error } = useApi<CollectionPageResponse>(`/api/collections/${encodeURIComponent(name)}?${api.toString()}`, version);
  const [filter, setFilter] = useState(() => (whereText === '' ? '' : safeFormat(whereText)));
  const [filterError, setFilterError] = useState<string | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setFilter(whereText === '' ? '' : safeFormat(whereText)), [whereText]);

  const link = (next: { where?: string; offset?: number; orderBy?: string }): string => {
    const p = new URLSearchParams();
    const w = next.where ?? whereText;
    const o = next.orderBy ?? orderBy;
    if (w !== '') p.set('where', w);
    if (o !== '') p.set('orderBy', o);
    if ((next.offset ?? 0) > 0) p.set('offset', String(next.offset));
    return href.collection(name, p);
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    try {
      const where = parseFilter(filter);
      setFilterError(undefined);
      location.hash = link({ where: Object.keys(where).length === 0 ? '' : JSON.stringify(where), offset: 0 });
    } catch (err) {
      setFilterError(err instanceof Error ? err.message : String(err));
    }
  };
  const columns = data === undefined ? [] : columnsOf(data.records);
  const short = uniquePrefixes(data?.records.map((r) => r.id) ?? []);
  return (
    <section>
      <div class="crumbs">
        <a href={href.collections()}>Collections</a>
      </div>
      <h1>{name}</h1>
      <form class="filter" onSubmit={submit} role="search">
        <label for="filter-input">Filter</label>
        <input
          id="filter-input"
          ref={input}
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          placeholder='status=open owner=ana   or   {"updated_at":{"gt":1700000000000}}'
          spellcheck={false}
          autocomplete="off"
        />
        <button type="submit">Apply</button>
        {whereText !== '' ? <a href={link({ where: '', offset: 0 })}>clear</a> : null}
      </form>
      {filterError !== undefined ? <div class="error" role="alert">{filterError}</div> : null}
      <PagedTable
        data={data}
        error={error}
        rows={(d) => d.records.length}
        empty="No records match."
        hrefFor={(o) => link({ offset: o })}
        table={(data) => (
          <table class="data" data-testid="collection-table">
            <thead>
              <tr>
                {columns.map((c) => {
                  const sorted = orderBy === c ? 'ascending' : orderBy === `-${c}` ? 'descending' : undefined;
                  return (
                    <th key={c} aria-sort={sorted}>
                      <a href={link({ orderBy: orderBy === c ? `-${c}` : c, offset: 0 })} title={`sort by ${c}`}>
                        {c}
                        {sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}
                      </a>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {data.records.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  {columns.map((c) => (
                    <td key={c} class={c === 'id' ? 'mono' : undefined}>
                      {c === 'id' ? <RecordLink id={r.id}>{short.get(r.id)}</RecordLink> : <Cell field={c} value={Object.hasOwn(r, c) ? r[c] : undefined} />}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      />
    </section>
  );
}

/**
 * One value of the table; `value` is the record's own member (undefined when it has none):
 * a column another record has, such as `constructor` or `__proto__`, read from a record
 * without it gave the object's inherited member (`function Object() { [native code] }`).
 */
function Cell({ field, value }: { field: string; value: unknown }) {
  if (typeof value === 'number' && isTimeField(field)) return <span class="nowrap">{formatTime(value)}</span>;
  const text = valueText(value);
  return <span title={text.length > 60 ? clip(text, 2000) : undefined}>{clip(text, 60)}</span>;
}

function safeFormat(whereJson: string): string {
  try {
    return formatFilter(JSON.parse(whereJson) as Record<string, unknown>);
  } catch {
    return whereJson;
  }
}
