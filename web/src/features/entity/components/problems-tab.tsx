import { ApiError } from '../../../api/client.js';
import type { EntityName } from '../../../components/entity-name.js';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { StatusBadge } from '../../../components/status-badge.js';
import { type LocationProblem, useEntityLocation } from '../api/get-entity-location.js';

/**
 * The entity's validation errors: the problems the last read of its location found that name
 * it. Paved keeps problems per location, so the location's others are listed apart.
 */
export function ProblemsTab({ entity, entityRef }: { entity: EntityName; entityRef: string }) {
  const location = useEntityLocation(entity);

  if (location.isPending) return <LoadingState label="Loading problems" />;
  if (location.error) {
    if (location.error instanceof ApiError && location.error.status === 404) {
      return <EmptyState title="No problems recorded">This entity was not read from a location (it was applied directly), so Paved keeps no problems for it.</EmptyState>;
    }
    return <ErrorState error={location.error} retry={() => void location.refetch()} />;
  }

  const data = location.data;
  const mine = data.errors.filter((problem) => problem.entityRef?.toLowerCase() === entityRef);
  const others = data.errors.filter((problem) => problem.entityRef?.toLowerCase() !== entityRef);

  return (
    <div className="problems-tab">
      <p>
        Read from <code>{data.target}</code> <StatusBadge status={data.status} />
        {data.lastReadAt && <span className="muted"> last read {new Date(data.lastReadAt).toLocaleString()}</span>}
      </p>
      <section aria-labelledby="entity-problems">
        <h2 id="entity-problems">Problems with this entity</h2>
        {mine.length === 0 ? (
          <EmptyState title="No problems">Its descriptor passed validation when the location was last read.</EmptyState>
        ) : (
          <>
            <p className="muted">The catalog keeps showing the last version that passed. Fix the descriptor; the next read of the location picks it up.</p>
            <ProblemList problems={mine} />
          </>
        )}
      </section>
      {others.length > 0 && (
        <section aria-labelledby="location-problems">
          <h2 id="location-problems">Other problems in the same location</h2>
          <ProblemList problems={others} />
        </section>
      )}
    </div>
  );
}

function ProblemList({ problems }: { problems: LocationProblem[] }) {
  return (
    <ul className="list problems">
      {problems.map((problem, index) => (
        <li key={`${problem.file}:${problem.line ?? ''}:${index}`}>
          <strong className="error-text">{problem.message}</strong>
          <div className="muted small">
            <code>{problem.code}</code> in <code>{problem.file}</code>
            {problem.line !== undefined && <> line {problem.line}</>}
            {problem.path && (
              <>
                {' '}
                at <code>{problem.path}</code>
              </>
            )}
            {problem.entityRef && <> ({problem.entityRef})</>}
          </div>
        </li>
      ))}
    </ul>
  );
}
