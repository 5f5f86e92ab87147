import { Link } from 'react-router';
import { entityPath, parseEntityName } from '../../../components/entity-name.js';
import type { OutputLink } from '../api/get-task.js';

/** What the run made: links to its repository, its catalog entity, and whatever the template names. */
export function OutputLinks({ links }: { links: OutputLink[] }) {
  return (
    <ul className="output-links">
      {links.map((link, index) => {
        const title = link.title ?? link.entityRef ?? link.url ?? `Link ${index + 1}`;
        return (
          <li key={`${index}-${title}`}>
            {link.entityRef ? (
              <Link className="button" to={entityPath(parseEntityName(link.entityRef))}>
                {title}
              </Link>
            ) : link.url ? (
              <a className="button" href={link.url} target={link.url.startsWith('/') ? undefined : '_blank'} rel="noreferrer">
                {title}
              </a>
            ) : (
              <span>{title}</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
