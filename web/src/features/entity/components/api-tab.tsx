import { load } from 'js-yaml';
import { EmptyState } from '../../../components/states.js';
import type { Entity } from '../api/get-entity.js';
import { HighlightedDefinition } from './highlighted-definition.js';
import { type OpenApiDocument, OpenApiReference } from './openapi-reference.js';

/** Parses a definition as YAML (which JSON is too); undefined when it is neither. */
function parseDefinition(text: string): unknown {
  try {
    return load(text);
  } catch {
    return undefined;
  }
}

/** An API's `spec.definition`: OpenAPI as a reference to read, anything else as its text. */
export function ApiTab({ entity }: { entity: Entity }) {
  const type = typeof entity.spec?.type === 'string' ? entity.spec.type : 'unknown';
  const definition = typeof entity.spec?.definition === 'string' ? entity.spec.definition : undefined;
  if (!definition) return <EmptyState title="This API has no definition">Its descriptor has no spec.definition.</EmptyState>;

  const parsed = type === 'openapi' ? parseDefinition(definition) : undefined;
  const document = parsed && typeof parsed === 'object' && ('openapi' in parsed || 'swagger' in parsed) ? (parsed as OpenApiDocument) : undefined;

  return (
    <div className="api-tab">
      {document ? (
        <OpenApiReference document={document} />
      ) : (
        <>
          <p className="muted">
            A {type} definition{type === 'openapi' ? ' that could not be read as OpenAPI' : ''}:
          </p>
          <HighlightedDefinition text={definition} label={`${type} definition`} />
        </>
      )}
      {document && (
        <details className="raw-definition">
          <summary>The definition as written</summary>
          <HighlightedDefinition text={definition} label="The definition as written" />
        </details>
      )}
    </div>
  );
}
