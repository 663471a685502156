/** Executions: running first, then newest started; iterations, duration, current phase; paged. */
import type { ExecutionPageResponse } from '../../api-types.js';
import { useApi } from '../api-client.js';
import { useServerNow } from '../clock.js';
import { PagedTable, RecordLink, StatusBadge } from '../components.js';
import { clip, formatDuration, formatTime, shortId, uniquePrefixes, valueText } from '../format.js';
import { href } from '../router.js';

const STATUSES = ['running', 'paused', 'complete', 'failed', 'stopped'];

export function ExecutionsView({ params, version }: { params: URLSearchParams; version: number }) {
  const status = params.get('status') ?? '';
  const offset = Number(params.get('offset') ?? '0') || 0;
  const api = new URLSearchParams({ limit: '50', offset: String(offset), ...(status === '' ? {} : { status }) });
  const { data, error } = useApi<ExecutionPageResponse>(`/api/executions?${api.toString()}`, version);
  const now = useServerNow(data?.now);
  const short = uniquePrefixes(data?.executions.map((e) => e.id) ?? []);
  const link = (next: { status?: string; offset?: number }): string => {
    const p = new URLSearchParams();
    const s = next.status ?? status;
    if (s !== '') p.set('status', s);
    if ((next.offset ?? 0) > 0) p.set('offset', String(next.offset));
    return href.executions(p);
  };
  return (
    <section>
      <h1>Executions</h1>
      <nav class="filters" aria-label="status filter">
        <a href={link({ status: '' })} aria-current={status === '' ? 'page' : undefined}>
          all
        </a>
        {STATUSES.map((s) => (
          <a key={s} href={link({ status: s })} aria-current={status === s ? 'page' : undefined}>
            {s}
          </a>
        ))}
      </nav>
      <PagedTable
        data={data}
        error={error}
        rows={(d) => d.executions.length}
        empty="No executions."
        hrefFor={(o) => link({ offset: o })}
        table={(data) => (
          <table class="data executions" data-testid="executions">
            <thead>
              <tr>
                <th>status</th>
                <th>task spec</th>
                <th>phase</th>
                <th class="num">iterations</th>
                <th class="num">duration</th>
                <th>started</th>
                <th>branch</th>
                <th>id</th>
              </tr>
            </thead>
            <tbody>
              {data.executions.map((e) => {
                // A ts_id another program wrote as null, a number or an object names no
                // task spec: shown as written, without a link (shortId(null) threw, and the
                // whole view stayed on "Loading…").
                const named = typeof e.ts_id === 'string' && e.ts_id !== '';
                const spec = named && Object.hasOwn(data.task_specs, e.ts_id) ? data.task_specs[e.ts_id] : undefined;
                const end = e.completed_at ?? (e.status === 'running' ? now : e.updated_at);
                return (
                  <tr key={e.id} data-id={e.id}>
                    <td>
                      <StatusBadge status={e.status} />
                    </td>
                    <td>
                      {named ? <RecordLink id={e.ts_id}>{valueText(spec?.phase_name ?? shortId(e.ts_id))}</RecordLink> : <code>{valueText(e.ts_id)}</code>}
                    </td>
                    <td>{valueText(e.current_phase ?? '—')}</td>
                    <td class="num">{valueText(e.iteration_count)}</td>
                    <td class="num">{formatDuration(end - e.started_at)}</td>
                    <td class="nowrap">{formatTime(e.started_at)}</td>
                    <td title={valueText(e.worktree_path)}>{clip(valueText(e.branch_name), 40)}</td>
                    <td class="mono">
                      <RecordLink id={e.id}>{short.get(e.id)}</RecordLink>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      />
    </section>
  );
}
