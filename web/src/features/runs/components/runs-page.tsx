import { type FormEvent, type KeyboardEvent, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { PIPELINE_RUN_STATUSES } from '../api/get-pipeline-runs.js';
import { TEMPLATE_RUN_STATUSES } from '../api/get-template-runs.js';
import { PipelineRunsTable } from './pipeline-runs-table.js';
import { TemplateRunsTable } from './template-runs-table.js';

const VIEWS = [
  { id: 'templates', label: 'Template runs' },
  { id: 'pipelines', label: 'Pipeline runs' },
] as const;

/**
 * Template runs and pipeline runs, one tab each. The tab and the filters live in the URL
 * (`?view=pipelines&status=failed&repository=default/orders`), so a filtered list can be shared.
 */
export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const view = params.get('view') === 'pipelines' ? 'pipelines' : 'templates';
  const status = params.get('status') ?? '';
  const repository = params.get('repository') ?? '';
  const branch = params.get('branch') ?? '';
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };

  function onTabKey(event: KeyboardEvent, index: number) {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (delta === 0) return;
    const next = (index + delta + VIEWS.length) % VIEWS.length;
    update({ view: VIEWS[next]!.id === 'templates' ? '' : VIEWS[next]!.id, status: '', repository: '', branch: '' });
    tabs.current[next]?.focus();
  }

  function applyRepository(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    update({ repository: String(form.get('repository') ?? '').trim(), branch: String(form.get('branch') ?? '').trim() });
  }

  const statuses: readonly string[] = view === 'pipelines' ? PIPELINE_RUN_STATUSES : TEMPLATE_RUN_STATUSES;
  return (
    <section className="page" aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <div role="tablist" aria-label="Kind of run" className="runs-tabs">
        {VIEWS.map((candidate, index) => (
          <button
            key={candidate.id}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`runs-tab-${candidate.id}`}
            aria-selected={view === candidate.id}
            aria-controls="runs-panel"
            tabIndex={view === candidate.id ? 0 : -1}
            onClick={() => update({ view: candidate.id === 'templates' ? '' : candidate.id, status: '', repository: '', branch: '' })}
            onKeyDown={(event) => onTabKey(event, index)}
          >
            {candidate.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="runs-panel" aria-labelledby={`runs-tab-${view}`}>
        <div className="filters">
          <div>
            <label htmlFor="runs-status">Status</label>
            <select id="runs-status" value={status} onChange={(event) => update({ status: event.target.value })}>
              <option value="">Any</option>
              {statuses.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
            </select>
          </div>
          {view === 'pipelines' && (
            <form onSubmit={applyRepository} key={`${repository} ${branch}`} className="inline-form" role="search" aria-label="Filter by repository and branch">
              <div>
                <label htmlFor="runs-repository">Repository</label>
                <input id="runs-repository" name="repository" defaultValue={repository} placeholder="namespace/name" autoComplete="off" />
              </div>
              <div>
                <label htmlFor="runs-branch">Branch</label>
                <input id="runs-branch" name="branch" defaultValue={branch} placeholder="main" autoComplete="off" className="narrow" />
              </div>
              <button type="submit">Filter</button>
              {(repository || branch) && (
                <button type="button" className="link" onClick={() => update({ repository: '', branch: '' })}>
                  Clear
                </button>
              )}
            </form>
          )}
        </div>
        {view === 'pipelines' ? <PipelineRunsTable filter={{ ...(repository ? { repository } : {}), ...(branch ? { branch } : {}), ...(status ? { status } : {}) }} /> : <TemplateRunsTable {...(status ? { status } : {})} />}
      </div>
    </section>
  );
}
