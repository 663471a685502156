/** The head of a PRD's pages: title, status, progress and the Board / Graph tabs. */
import type { PrdBoardResponse } from '../../api-types.js';
import { ProgressBar, RecordLink, StatusBadge } from '../components.js';
import { valueText } from '../format.js';
import { href } from '../router.js';

export function PrdHeader({ data, tab }: { data: PrdBoardResponse; tab: 'board' | 'graph' }) {
  const { prd } = data;
  return (
    <header class="prd-header">
      <div class="crumbs">
        <a href={href.prds()}>PRDs</a> / <RecordLink id={prd.id}>{prd.id}</RecordLink>
      </div>
      <h1>
        <span class="prd-title-text">{prd.title === '' ? '(untitled)' : valueText(prd.title)}</span> <StatusBadge status={prd.status} />
      </h1>
      <ProgressBar progress={data.progress} />
      <nav class="tabs" aria-label="PRD views">
        <a href={href.board(prd.id)} aria-current={tab === 'board' ? 'page' : undefined}>
          Board
        </a>
        <a href={href.graph(prd.id)} aria-current={tab === 'graph' ? 'page' : undefined}>
          Dependency graph
        </a>
        <a href={href.record(prd.id)}>Details &amp; history</a>
      </nav>
      {data.cycles.length > 0 ? (
        <p class="warning" role="note">
          {data.cycles.length} dependency cycle{data.cycles.length === 1 ? '' : 's'}: these task specs wait for each other and can never become ready.
        </p>
      ) : null}
    </header>
  );
}
