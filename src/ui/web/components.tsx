/** Small shared pieces of the page. Every record value is passed as a text child. */
import type { ComponentChildren } from 'preact';
import type { Progress } from '../api-types.js';
import { ApiError } from './api-client.js';
import { count, valueText } from './format.js';
import { href } from './router.js';

export function StatusBadge({ status }: { status: unknown }) {
  // A status another program wrote as an object or a number is shown as written, as
  // every other field is (String() made an object "[object Object]").
  const text = valueText(status);
  return <span class={`badge status-${/^[a-z_]+$/.test(text) ? text : 'other'}`}>{text}</span>;
}

export function ProgressBar({ progress }: { progress: Progress }) {
  const pct = progress.total === 0 ? 0 : Math.round((progress.complete / progress.total) * 100);
  return (
    <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.complete} aria-label="task specs complete">
      <div class="progress-track">
        <div class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span class="progress-text">
        {count(progress.complete)} / {count(progress.total)}
      </span>
    </div>
  );
}

/** A link to a record's page, showing `text` (default: the id). */
export function RecordLink({ id, children }: { id: string; children?: ComponentChildren }) {
  return (
    <a href={href.record(id)} class="record-link" title={id}>
      {children ?? id}
    </a>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError ? `${error.code}: ` : ''}</strong>
      {error.message}
      {error instanceof ApiError && error.hint !== undefined ? <div class="muted">hint: {error.hint}</div> : null}
    </div>
  );
}

export function Loading() {
  return <p class="muted loading">Loading…</p>;
}

interface PagerProps {
  offset: number;
  limit: number;
  total: number;
  /** Href of the page starting at `offset`. */
  hrefFor: (offset: number) => string;
}

export function Pager({ offset, limit, total, hrefFor }: PagerProps) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label="pages">
      <a class={`button${offset === 0 ? ' disabled' : ''}`} href={offset === 0 ? undefined : hrefFor(Math.max(0, offset - limit))} aria-disabled={offset === 0} rel="prev">
        ← Previous
      </a>
      <span class="pager-text">
        {count(first)}–{count(last)} of {count(total)}
      </span>
      <a class={`button${last >= total ? ' disabled' : ''}`} href={last >= total ? undefined : hrefFor(offset + limit)} aria-disabled={last >= total} rel="next">
        Next →
      </a>
    </nav>
  );
}

interface PagedTableProps<T extends { offset: number; limit: number; total: number }> {
  data: T | undefined;
  error: Error | undefined;
  /** Rows on this page (for the empty note). */
  rows: (data: T) => number;
  /** Shown under the table when this page has no rows. */
  empty: string;
  hrefFor: (offset: number) => string;
  /** The `<table>` of `data`. */
  table: (data: T) => ComponentChildren;
}

/**
 * A paged table's frame: the error (the last page stays under it), "Loading…" before the
 * first answer, then the table, a note when the page is empty, and the pager.
 */
export function PagedTable<T extends { offset: number; limit: number; total: number }>({ data, error, rows, empty, hrefFor, table }: PagedTableProps<T>) {
  return (
    <>
      {error !== undefined ? <ErrorBox error={error} /> : null}
      {data === undefined ? (
        error === undefined ? <Loading /> : null
      ) : (
        <>
          <div class="table-wrap">{table(data)}</div>
          {rows(data) === 0 ? <p class="muted">{empty}</p> : null}
          <Pager offset={data.offset} limit={data.limit} total={data.total} hrefFor={hrefFor} />
        </>
      )}
    </>
  );
}
