import type { RJSFSchema, UiSchema } from '@rjsf/utils';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Backstage writes `ui:*` keys inside the JSON Schema; rjsf wants them apart, in a uiSchema of
 * the same shape. Splits one from the other, through properties, array items and the
 * `dependencies`/`allOf`/`oneOf`/`anyOf` branches (whose ui keys merge into their properties').
 */
export function splitSchema(input: Json): { schema: RJSFSchema; uiSchema: UiSchema } {
  const schema: Json = {};
  const uiSchema: Json = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('ui:')) uiSchema[key] = value;
    else schema[key] = value;
  }
  if (isObject(input.properties)) {
    const properties: Json = {};
    for (const [name, property] of Object.entries(input.properties)) {
      if (!isObject(property)) {
        properties[name] = property;
        continue;
      }
      const split = splitSchema(property);
      properties[name] = split.schema;
      if (Object.keys(split.uiSchema).length > 0) uiSchema[name] = { ...(uiSchema[name] as Json | undefined), ...split.uiSchema };
    }
    schema.properties = properties;
  }
  if (isObject(input.items)) {
    const split = splitSchema(input.items);
    schema.items = split.schema;
    if (Object.keys(split.uiSchema).length > 0) uiSchema.items = split.uiSchema;
  }
  const mergeBranch = (branch: Json) => {
    const split = splitSchema(branch);
    for (const [name, ui] of Object.entries(split.uiSchema)) uiSchema[name] = isObject(ui) ? { ...(uiSchema[name] as Json | undefined), ...ui } : ui;
    return split.schema;
  };
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const branches = input[key];
    if (Array.isArray(branches)) schema[key] = branches.map((branch) => (isObject(branch) ? mergeBranch(branch) : branch));
  }
  if (isObject(input.dependencies)) {
    schema.dependencies = Object.fromEntries(Object.entries(input.dependencies).map(([name, dependency]) => [name, isObject(dependency) ? mergeBranch(dependency) : dependency]));
  }
  return { schema: schema as RJSFSchema, uiSchema: uiSchema as UiSchema };
}

/** The fields a page asks for, in order, with their titles: what the review lists. */
export function pageFields(schema: Json): { name: string; title: string; secret: boolean }[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  return Object.entries(properties).map(([name, property]) => {
    const json = isObject(property) ? property : {};
    const options = isObject(json['ui:options']) ? json['ui:options'] : {};
    return {
      name,
      title: typeof json.title === 'string' ? json.title : name,
      secret: json['ui:widget'] === 'password' || isObject(json['ui:backstage']) || options.mask === true,
    };
  });
}
