import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { parseYamlWithLines } from '../../yaml-document.js';
import type { ScoreWorkload } from './score-workload.js';

/** One thing wrong with a score.yaml: what, at which JSON path, on which line. */
export interface ScoreProblem {
  message: string;
  path: string;
  line?: number;
}

export type ParsedScore = { ok: true; workload: ScoreWorkload } | { ok: false; problems: ScoreProblem[] };

/** Score's own JSON Schema, shipped verbatim (schemas/README.md says where it comes from). */
const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'schemas', 'score-v1b1.json');
let validator: ReturnType<Ajv2020['compile']> | undefined;

function validateAgainstSchema(value: unknown) {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as object);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/**
 * Reads a score.yaml: YAML, then Score's JSON Schema, naming the field and line of each
 * problem. The deprecated array forms of `files` and `volumes` become the map form.
 */
export function parseScore(text: string): ParsedScore {
  const parsed = parseYamlWithLines(text);
  if (!parsed.ok) return parsed;
  const errors = validateAgainstSchema(parsed.value);
  if (errors.length > 0) {
    // A `oneOf` (array or map form) reports both branches; the deepest error is the useful one.
    const useful = errors.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'allOf' && error.keyword !== 'not');
    const problems = (useful.length > 0 ? useful : errors).map((error) => {
      const segments = error.instancePath.split('/').filter(Boolean).map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
      if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
      if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
      const message =
        error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not a field of Score v1b1' : (error.message ?? 'is invalid');
      const field = segments.join('.');
      return { message: `${field || 'the file'} ${message}`, path: field, line: parsed.lineOf(segments) };
    });
    return { ok: false, problems: dedupe(problems) };
  }
  return { ok: true, workload: normalize(parsed.value as ScoreWorkload) };
}

function dedupe(problems: ScoreProblem[]): ScoreProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => !seen.has(problem.message) && seen.add(problem.message));
}

type DeprecatedFile = { target: string } & Record<string, unknown>;

function normalize(workload: ScoreWorkload): ScoreWorkload {
  for (const container of Object.values(workload.containers)) {
    const files = container.files as unknown;
    if (Array.isArray(files)) container.files = Object.fromEntries((files as DeprecatedFile[]).map(({ target, ...rest }) => [target, rest]));
    const volumes = container.volumes as unknown;
    if (Array.isArray(volumes)) container.volumes = Object.fromEntries((volumes as DeprecatedFile[]).map(({ target, ...rest }) => [target, rest])) as unknown as typeof container.volumes;
  }
  return workload;
}
