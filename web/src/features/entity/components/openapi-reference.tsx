/** The parts of an OpenAPI (3.x, or Swagger 2) document the reference shows. */
export interface OpenApiDocument {
  openapi?: string;
  swagger?: string;
  info?: { title?: string; version?: string; description?: string };
  servers?: { url: string; description?: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { parameters?: Record<string, unknown>; responses?: Record<string, unknown>; schemas?: Record<string, unknown> };
}

interface Parameter {
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  type?: string;
}

interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  parameters?: (Parameter & { $ref?: string })[];
  requestBody?: { description?: string; required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; $ref?: string }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows a local `#/…` reference one step; anything else stays as it was. */
function resolve<T>(document: OpenApiDocument, value: T & { $ref?: string }): T {
  if (!value || typeof value !== 'object' || typeof value.$ref !== 'string' || !value.$ref.startsWith('#/')) return value;
  let target: unknown = document;
  for (const part of value.$ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return (target as T | undefined) ?? value;
}

/** A schema as a short type: `string`, `integer (int64)`, `Cart`, `array of Item`. */
function typeOf(schema: Schema | undefined): string {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop() ?? schema.$ref;
  if (schema.type === 'array') return `array of ${typeOf(schema.items) || 'any'}`;
  if (schema.type === 'object' && schema.properties) {
    const fields = Object.keys(schema.properties);
    return `object {${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}}`;
  }
  return `${schema.type ?? 'any'}${schema.format ? ` (${schema.format})` : ''}`;
}

const anchorOf = (method: string, path: string) => `op-${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/** OpenAPI as a reference to read: each path and method with its summary, parameters, body and responses. */
export function OpenApiReference({ document }: { document: OpenApiDocument }) {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) => {
    const shared = (Array.isArray(item.parameters) ? item.parameters : []) as Operation['parameters'];
    return METHODS.filter((method) => item[method] && typeof item[method] === 'object').map((method) => ({ path, method, operation: item[method] as Operation, shared: shared ?? [] }));
  });

  return (
    <div className="openapi">
      <header>
        <h2>
          {document.info?.title ?? 'API'} {document.info?.version && <span className="muted">v{document.info.version}</span>}
        </h2>
        <p className="muted small">{document.openapi ? `OpenAPI ${document.openapi}` : `Swagger ${document.swagger}`}</p>
        {document.info?.description && <p>{document.info.description}</p>}
        {(document.servers ?? []).length > 0 && (
          <p>
            Servers:{' '}
            {document.servers!.map((server) => (
              <code key={server.url} className="server">
                {server.url}
              </code>
            ))}
          </p>
        )}
      </header>
      {operations.length === 0 ? (
        <p className="muted">The definition has no paths.</p>
      ) : (
        <>
          <nav aria-label="Operations" className="operations-index">
            <ul>
              {operations.map(({ path, method, operation }) => (
                <li key={`${method} ${path}`}>
                  <a href={`#${anchorOf(method, path)}`}>
                    <span className={`method ${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
                  </a>
                  {operation.summary && <span className="muted"> {operation.summary}</span>}
                </li>
              ))}
            </ul>
          </nav>
          {operations.map(({ path, method, operation, shared }) => {
            const parameters = [...shared, ...(operation.parameters ?? [])].map((parameter) => resolve<Parameter>(document, parameter));
            const body = operation.requestBody ? resolve(document, operation.requestBody as Operation['requestBody'] & { $ref?: string }) : undefined;
            return (
              <section key={`${method} ${path}`} id={anchorOf(method, path)} className="operation" aria-labelledby={`${anchorOf(method, path)}-title`}>
                <h3 id={`${anchorOf(method, path)}-title`}>
                  <span className={`method ${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
                  {operation.deprecated && <span className="badge bad"> deprecated</span>}
                </h3>
                {operation.summary && <p className="summary">{operation.summary}</p>}
                {operation.description && <p className="muted">{operation.description}</p>}
                {parameters.length > 0 && (
                  <div className="table-scroll">
                    <table>
                      <caption>Parameters</caption>
                      <thead>
                        <tr>
                          <th scope="col">Name</th>
                          <th scope="col">In</th>
                          <th scope="col">Type</th>
                          <th scope="col">Required</th>
                          <th scope="col">Description</th>
                        </tr>
                      </thead>
                      <tbody>
                        {parameters.map((parameter, index) => (
                          <tr key={`${parameter.in}-${parameter.name ?? index}`}>
                            <th scope="row">
                              <code>{parameter.name}</code>
                            </th>
                            <td>{parameter.in}</td>
                            <td>{typeOf(parameter.schema) || parameter.type}</td>
                            <td>{parameter.required ? 'yes' : 'no'}</td>
                            <td>{parameter.description}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
                {body && (
                  <div className="request-body">
                    <h4>Request body{body.required ? ' (required)' : ''}</h4>
                    {body.description && <p>{body.description}</p>}
                    <ul className="list">
                      {Object.entries(body.content ?? {}).map(([type, media]) => {
                        const schema = media.schema ? resolve<Schema>(document, media.schema) : undefined;
                        return (
                          <li key={type}>
                            <code>{type}</code> {typeOf(media.schema)}
                            {schema?.properties && (
                              <ul className="fields">
                                {Object.entries(schema.properties).map(([field, fieldSchema]) => (
                                  <li key={field}>
                                    <code>{field}</code> <span className="muted">{typeOf(fieldSchema)}</span>
                                    {schema.required?.includes(field) && <span className="muted"> · required</span>}
                                  </li>
                                ))}
                              </ul>
                            )}
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                )}
                <h4>Responses</h4>
                <ul className="responses">
                  {Object.entries(operation.responses ?? {}).map(([code, response]) => (
                    <li key={code}>
                      <span className={`status-code s${code.charAt(0)}`}>{code}</span> {resolve(document, response).description ?? ''}
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </>
      )}
      <SchemaList schemas={(document.components?.schemas ?? {}) as Record<string, Schema>} />
    </div>
  );
}

/** The named schemas (`components.schemas`), each with its fields and their types. */
function SchemaList({ schemas }: { schemas: Record<string, Schema> }) {
  const entries = Object.entries(schemas);
  if (entries.length === 0) return null;
  return (
    <section className="schemas" aria-labelledby="openapi-schemas">
      <h3 id="openapi-schemas">Schemas</h3>
      {entries.map(([name, schema]) => (
        <div key={name} className="operation">
          <h4>
            <code>{name}</code> <span className="muted">{schema.properties ? 'object' : typeOf(schema)}</span>
          </h4>
          {schema.properties && (
            <ul className="fields">
              {Object.entries(schema.properties).map(([field, fieldSchema]) => (
                <li key={field}>
                  <code>{field}</code> <span className="muted">{typeOf(fieldSchema)}</span>
                  {schema.required?.includes(field) && <span className="muted"> · required</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </section>
  );
}
