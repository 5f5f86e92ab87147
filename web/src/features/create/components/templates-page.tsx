import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { useTemplates } from '../api/get-templates.js';
import { TemplateCard } from './template-card.js';

/** The golden paths, as cards to choose from. */
export function TemplatesPage() {
  const templates = useTemplates();
  return (
    <section className="page" aria-labelledby="create-title">
      <h1 id="create-title">Create something new</h1>
      <p className="muted">Start from a golden path: a repository with a pipeline, registered in the catalog, ready to deploy.</p>
      {templates.isPending ? (
        <LoadingState label="Loading templates" />
      ) : templates.error ? (
        <ErrorState error={templates.error} retry={() => void templates.refetch()} />
      ) : templates.data.items.length === 0 ? (
        <EmptyState title="No templates yet">Register a Template entity in the catalog and it shows up here.</EmptyState>
      ) : (
        <div className="grid templates">
          {templates.data.items.map((template) => (
            <TemplateCard key={`${template.metadata.namespace ?? 'default'}/${template.metadata.name}`} template={template} />
          ))}
        </div>
      )}
    </section>
  );
}
