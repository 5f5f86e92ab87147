import { Link } from 'react-router';
import type { TemplateSummary } from '../api/get-templates.js';

/** One golden path: what it makes, its tags, and the way into its form. */
export function TemplateCard({ template }: { template: TemplateSummary }) {
  const { name, namespace = 'default', title = name, description, tags = [] } = template.metadata;
  const headingId = `template-${namespace}-${name}`;
  return (
    <article className="card template-card" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {template.spec?.type && <p className="muted template-type">{template.spec.type}</p>}
      {description && <p>{description}</p>}
      {tags.length > 0 && (
        <ul className="tags" aria-label="Tags">
          {tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <Link className="button primary" to={`/create/templates/${namespace}/${name}`} aria-label={`Choose ${title}`}>
        Choose
      </Link>
    </article>
  );
}
