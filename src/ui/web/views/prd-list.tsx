/** All PRDs with their progress (complete / total task specs). */
import type { PrdListResponse } from '../../api-types.js';
import { useApi } from '../api-client.js';
import { ErrorBox, Loading, ProgressBar, StatusBadge } from '../components.js';
import { formatTime, valueText } from '../format.js';
import { href } from '../router.js';

export function PrdListView({ version }: { version: number }) {
  const { data, error } = useApi<PrdListResponse>('/api/prds', version);
  if (error !== undefined) return <ErrorBox error={error} />;
  if (data === undefined) return <Loading />;
  return (
    <section>
      <h1>PRDs</h1>
      {data.prds.length === 0 ? <p class="muted">No PRDs yet. Create one with <code>taskstore create-prd "Title"</code>.</p> : null}
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
    </section>
  );
}
