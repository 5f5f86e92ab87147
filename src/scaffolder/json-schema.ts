import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormatsModule from 'ajv-formats';
import re2 from 're2-wasm';
import type { ErrorDetails } from '../errors.js';

// ajv-formats is CommonJS with a `default` export; NodeNext sees the module object.
const addFormats = addFormatsModule.default;

/**
 * One JSON Schema validator for template parameters and action inputs. Not strict, because
 * Backstage's schemas carry `ui:*` keys for the form; defaults are filled in as Backstage's
 * form does.
 */
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  useDefaults: true,
  coerceTypes: false,
  // A template's `pattern`s are written by its author and run on the server's thread against any
  // caller's values: with RE2 (linear time, ajv's documented engine for untrusted schemas) no
  // pattern can backtrack for seconds. RE2 has no look-around or back-references; a pattern
  // using them is an invalid schema.
  code: { regExp: re2Engine() },
});
addFormats(ajv);
function re2Engine(): RegExpEngine {
  // `code` is how ajv's standalone output would import the engine; Paved compiles at run time only.
  return Object.assign((pattern: string, flags: string) => new re2.RE2(pattern, flags), { code: 'require("re2-wasm").RE2' });
}

const compiled = new WeakMap<object, ValidateFunction>();

export function compileSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Ajv's errors as problems with a dotted path to the field, e.g. `name` or `owner.kind`. */
export function schemaProblems(errors: readonly ErrorObject[] | null | undefined, prefix = ''): ErrorDetails[] {
  return (errors ?? []).map((error) => {
    const segments = error.instancePath.split('/').filter(Boolean);
    if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
    if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
    const field = [prefix, ...segments].filter(Boolean).join('.');
    const message =
      error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not a known field' : (error.message ?? 'is invalid');
    return { path: field, message: `${field || 'value'} ${message}` };
  });
}
