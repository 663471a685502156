/** One record: its fields as text, its markdown content rendered, and its history as a timeline of field diffs. */
import type { HistoryResponse, RecordResponse } from '../../api-types.js';
import { ApiError, apiPath, useApi } from '../api-client.js';
import { ErrorBox, Loading, RecordLink, StatusBadge } from '../components.js';
import { formatTime, isTimeField, valueText } from '../format.js';
import { Markdown } from '../markdown.js';
import { href } from '../router.js';

/** Fields holding ids of other records, linked. */
const REFERENCE_FIELDS = new Set(['prd_id', 'ts_id', 'from_exec_id', 'to_exec_id']);

export function RecordView({ id, version }: { id: string; version: number }) {
  const current = useApi<RecordResponse>(apiPath.record(id), version);
  const history = useApi<HistoryResponse>(apiPath.recordHistory(id), version);
  // Deleted: no live record has the id (404) and its history ends in a deletion. Any other
  // error (a log locked for a moment) says nothing about the record's being gone.
  const deleted = current.error instanceof ApiError && current.error.status === 404 && history.data?.versions.at(-1)?.deleted === true;
  return (
    <section>
      {current.error !== undefined && !deleted ? <ErrorBox error={current.error} /> : null}
      {current.data === undefined && current.error === undefined ? <Loading /> : null}
      {/* A record deleted while shown: its last fields are in the history, not shown as live. */}
      {current.data !== undefined && !deleted ? <RecordFields data={current.data} /> : null}
      {deleted ? (
        <h1>
          <span class="muted">{history.data!.collection}</span> {history.data!.id} <span class="badge status-failed">deleted</span>
        </h1>
      ) : null}
      {history.data !== undefined ? <Timeline data={history.data} /> : history.error !== undefined && current.error === undefined ? <ErrorBox error={history.error} /> : null}
    </section>
  );
}

function FieldValue({ field, value }: { field: string; value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">{value === null ? 'null' : ''}</span>;
  if (typeof value === 'string' && REFERENCE_FIELDS.has(field)) return <RecordLink id={value} />;
  if (field === 'dependencies' && Array.isArray(value)) {
    return (
      <span>
        {value.length === 0 ? <span class="muted">none</span> : null}
        {value.map((dep, i) => (
          <span key={i}>
            {i > 0 ? ', ' : ''}
            {typeof dep === 'string' ? <RecordLink id={dep} /> : valueText(dep)}
          </span>
        ))}
      </span>
    );
  }
  if (field === 'status') return <StatusBadge status={value} />;
  if (typeof value === 'number' && isTimeField(field)) return <span title={String(value)}>{formatTime(value)}</span>;
  if (typeof value === 'string') return <span class="pre">{value}</span>;
  return <code class="pre">{valueText(value, 2)}</code>;
}

function RecordFields({ data }: { data: RecordResponse }) {
  const { record, collection } = data;
  const title = typeof record.title === 'string' ? record.title : typeof record.phase_name === 'string' ? record.phase_name : typeof record.name === 'string' ? record.name : record.id;
  const content = typeof record.content === 'string' ? record.content : undefined;
  return (
    <>
      <div class="crumbs">
        <a href={href.collection(collection)}>{collection}</a>
        {collection === 'prds' ? (
          <>
            {' · '}
            <a href={href.board(record.id)}>board</a> · <a href={href.graph(record.id)}>graph</a>
          </>
        ) : null}
      </div>
      <h1 class="record-title">{title}</h1>
      <dl class="fields" data-testid="fields">
        {Object.entries(record)
          // A string content is rendered below as markdown; any other (a number or an
          // object another program wrote) is a field like the rest, not left unshown.
          .filter(([f]) => f !== 'content' || content === undefined)
          .map(([field, value]) => (
            <div class="field" key={field}>
              <dt>{field}</dt>
              <dd data-field={field}>
                <FieldValue field={field} value={value} />
              </dd>
            </div>
          ))}
      </dl>
      {content !== undefined ? (
        <section class="content">
          <h2>Content</h2>
          <Markdown text={content} />
        </section>
      ) : null}
    </>
  );
}

function DiffValue({ field, value }: { field: string; value: unknown }) {
  if (typeof value === 'number' && isTimeField(field)) return <>{formatTime(value)}</>;
  return <>{valueText(value)}</>;
}

function Timeline({ data }: { data: HistoryResponse }) {
  let live = false;
  return (
    <section class="history">
      <h2>
        History <span class="muted">{data.versions.length} version{data.versions.length === 1 ? '' : 's'}</span>
      </h2>
      <ol class="timeline" data-testid="timeline">
        {data.versions.map((v, i) => {
          const label = v.deleted ? 'deleted' : live ? 'updated' : i === 0 ? 'created' : 'recreated';
          live = !v.deleted;
          return (
            <li key={i} class={`version version-${label}`}>
              <div class="version-head">
                <strong>#{i + 1}</strong> <span class={`badge op-${label}`}>{label}</span> <span class="muted">{formatTime(v.record.updated_at)}</span>
              </div>
              {v.changes.length === 0 && !v.deleted ? <p class="muted small">no field changed</p> : null}
              {v.changes.length > 0 ? (
                <table class="diff">
                  <tbody>
                    {v.changes.map((c) => (
                      <tr key={c.field}>
                        <th>{c.field}</th>
                        {Object.hasOwn(c, 'old') ? (
                          <>
                            <td class="old">
                              <DiffValue field={c.field} value={c.old} />
                            </td>
                            <td class="arrow">→</td>
                          </>
                        ) : null}
                        <td class="new" colSpan={Object.hasOwn(c, 'old') ? 1 : 3}>
                          {Object.hasOwn(c, 'new') ? <DiffValue field={c.field} value={c.new} /> : <span class="muted">(removed)</span>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
