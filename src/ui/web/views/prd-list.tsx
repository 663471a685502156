/** The PRDs with their progress (complete / total task specs), a page at a time. */
import type { PrdListResponse } from '../../api-types.js';
import { useApi } from '../api-client.js';
import { ErrorBox, Loading, Pager, ProgressBar, StatusBadge } from '../components.js';
import { count, formatTime, valueText } from '../format.js';
import { href } from '../router.js';

/**
 * PRDs a page: drawing every PRD of a store with 10,000 took the first render 5–9 s,
 * most of it creating the rows' elements.
 */
const PAGE = 100;

export function PrdListView({ params, version }: { params: URLSearchParams; version: number }) {
  const offset = Number(params.get('offset') ?? '0') || 0;
  const { data, error } = useApi<PrdListResponse>(`/api/prds?limit=${PAGE}&offset=${offset}`, version);
  const hrefFor = (o: number): string => href.prds(o > 0 ? new URLSearchParams({ offset: String(o) }) : undefined);
  return (
    <section>
      <h1>
        PRDs {data !== undefined ? <span class="muted small" data-testid="prd-total">({count(data.total)})</span> : null}
      </h1>
      {error !== undefined ? <ErrorBox error={error} /> : null}
      {data === undefined ? (
        error === undefined ? <Loading /> : null
      ) : (
        <>
          {data.total === 0 ? <p class="muted">No PRDs yet. Create one with <code>taskstore create-prd "Title"</code>.</p> : null}
          {data.total > 0 && data.prds.length === 0 ? <p class="muted">No PRDs on this page.</p> : null}
          <ul class="prd-list" data-testid="prd-list">
            {data.prds.map(({ prd, progress }) => (
              <li key={prd.id} class="prd-row" data-id={prd.id}>
                <div class="prd-main">
                  <a class="prd-title" href={href.board(prd.id)}>
                    {prd.title === '' ? '(untitled)' : valueText(prd.title)}
                  </a>
                  <StatusBadge status={prd.status} />
                  {prd.description !== '' ? <p class="muted prd-description">{valueText(prd.description)}</p> : null}
                </div>
                <ProgressBar progress={progress} />
                <span class="muted small">updated {formatTime(prd.updated_at)}</span>
              </li>
            ))}
          </ul>
          {data.total > data.limit || data.offset > 0 ? <Pager offset={data.offset} limit={data.limit} total={data.total} hrefFor={hrefFor} /> : null}
        </>
      )}
    </section>
  );
}
