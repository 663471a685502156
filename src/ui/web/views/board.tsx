/** One PRD's board: blocked · ready · running (claimant, lease left) · complete · failed. */
import { BOARD_COLUMNS, type BoardColumn, type PrdBoardResponse, type TaskSpec } from '../../api-types.js';
import { waitingEntries } from '../../dependency-entries.js';
import { apiPath, useApi } from '../api-client.js';
import { useServerNow } from '../clock.js';
import { ErrorBox, Loading, RecordLink } from '../components.js';
import { count, leaseText, shortId, valueText } from '../format.js';
import { PrdHeader } from './prd-header.js';

const TITLES: Record<BoardColumn, string> = { blocked: 'Blocked', ready: 'Ready', running: 'Running', complete: 'Complete', failed: 'Failed' };

export function BoardView({ id, version }: { id: string; version: number }) {
  const { data, error } = useApi<PrdBoardResponse>(apiPath.prd(id), version);
  const now = useServerNow(data?.now);
  if (error !== undefined) return <ErrorBox error={error} />;
  if (data === undefined) return <Loading />;
  const byColumn = new Map<BoardColumn, TaskSpec[]>(BOARD_COLUMNS.map((c) => [c, []]));
  for (const spec of data.task_specs) byColumn.get(data.columns[spec.id] ?? 'blocked')!.push(spec);
  const inCycle = new Set(data.cycles.flat());
  const byId = new Map(data.task_specs.map((s) => [s.id, s]));
  return (
    <section>
      <PrdHeader data={data} tab="board" />
      <div class="board" data-testid="board">
        {BOARD_COLUMNS.map((column) => {
          const specs = byColumn.get(column)!;
          return (
            <section class={`column column-${column}`} data-column={column} aria-label={TITLES[column]} key={column}>
              <h2>
                {TITLES[column]} <span class="muted">{count(specs.length)}</span>
              </h2>
              <ul>
                {specs.map((spec) => (
                  <Card key={spec.id} spec={spec} column={column} data={data} byId={byId} now={now} inCycle={inCycle.has(spec.id)} />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}

interface CardProps {
  spec: TaskSpec;
  column: BoardColumn;
  data: PrdBoardResponse;
  byId: Map<string, TaskSpec>;
  now: number;
  inCycle: boolean;
}

function Card({ spec, column, data, byId, now, inCycle }: CardProps) {
  const statusOf = (dep: string): string | undefined => byId.get(dep)?.status ?? data.outside[dep]?.status;
  const nameOf = (dep: string): string => valueText(byId.get(dep)?.phase_name ?? data.outside[dep]?.phase_name ?? shortId(dep));
  // As the readiness rule reads them: a hand-written null is none, a lone "a" or 7 in place of the list one that waits.
  const waiting = waitingEntries(spec.dependencies, statusOf);
  const lease = (spec as TaskSpec & { lease_expires_at?: number | null }).lease_expires_at;
  return (
    <li class={`card${inCycle ? ' in-cycle' : ''}`} data-id={spec.id}>
      <RecordLink id={spec.id}>
        <span class="card-title">{valueText(spec.phase_name)}</span>
      </RecordLink>
      {spec.status === 'pending' && column === 'blocked' ? <span class="small muted">pending</span> : null}
      {inCycle ? <span class="badge cycle">cycle</span> : null}
      {column === 'running' ? (
        <div class="small claim">
          <span class="claimant">{spec.assigned_to === null || spec.assigned_to === undefined ? 'unclaimed' : valueText(spec.assigned_to)}</span>
          {typeof lease === 'number' ? <LeaseState lease={lease} now={now} /> : null}
        </div>
      ) : null}
      {column === 'blocked' && waiting.length > 0 ? (
        <div class="small muted waits">
          waits for{' '}
          {waiting.map((dep, i) => (
            <span key={i}>
              {i > 0 ? ', ' : ''}
              {/* An entry that names no record (a number written by hand, "", a lone value in place of the list): its text, exact. */}
              {typeof dep === 'string' && dep !== '' && Array.isArray(spec.dependencies) ? <RecordLink id={dep}>{nameOf(dep)}</RecordLink> : dep === '' ? '""' : valueText(dep)}
            </span>
          ))}
        </div>
      ) : null}
    </li>
  );
}

function LeaseState({ lease, now }: { lease: number; now: number }) {
  const { ended, text } = leaseText(lease, now);
  return <span class={`lease${ended ? ' expired' : ''}`}>{text}</span>;
}
