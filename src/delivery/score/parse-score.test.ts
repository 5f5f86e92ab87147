import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScore } from './parse-score.js';
import { resolveResourceParams, resolveWorkload } from './placeholders.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures/score-spec');
const fixture = (relative: string) => fs.readFileSync(path.join(FIXTURES, relative), 'utf8');

describe('parseScore', () => {
  it.each([
    'spec/samples/score-full.yaml',
    'spec/samples/score-deprecated-files-and-volumes.yaml',
    'score-compose/examples/01-hello/score.yaml',
    'score-compose/examples/02-environment/score.yaml',
    'score-compose/examples/06-resource-provisioning/score.yaml',
  ])('accepts the published example %s', (file) => {
    const parsed = parseScore(fixture(file));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
  });

  it('turns the deprecated array forms of files and volumes into maps', () => {
    const parsed = parseScore(fixture('spec/samples/score-deprecated-files-and-volumes.yaml'));
    if (!parsed.ok) throw new Error('expected valid');
    const container = Object.values(parsed.workload.containers)[0]!;
    expect(Array.isArray(container.files)).toBe(false);
    expect(Object.keys(container.files ?? {}).every((target) => target.startsWith('/'))).toBe(true);
  });

  it('names the field and line of each problem', () => {
    const parsed = parseScore(['apiVersion: score.dev/v1b1', 'metadata:', '  name: Bad_Name', 'containers:', '  web:', '    imag: nginx', 'service:', '  ports:', '    http:', '      port: 70000'].join('\n'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'metadata.name', line: 3 }),
        expect.objectContaining({ path: 'containers.web.imag', line: 6, message: expect.stringContaining('not a field') }),
        expect.objectContaining({ path: 'containers.web.image', line: 6, message: expect.stringContaining('is required') }),
        expect.objectContaining({ path: 'service.ports.http.port', line: 10 }),
      ]),
    );
  });

  it('reports malformed YAML with its line', () => {
    const parsed = parseScore('apiVersion: score.dev/v1b1\nmetadata: [unclosed\n');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]!.line).toBeGreaterThan(0);
  });
});

describe('placeholders', () => {
  it('substitutes metadata and resource outputs, unescapes $$ and marks secret variables', () => {
    const parsed = parseScore(fixture('score-compose/examples/02-environment/score.yaml'));
    if (!parsed.ok) throw new Error('expected valid');
    const result = resolveWorkload(parsed.workload, { metadata: parsed.workload.metadata, resources: { env: { outputs: { NAME: 'Paved' }, secretOutputs: [] } } });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const hello = result.resolved.workload.containers.hello!;
    expect(hello.variables).toEqual({ GREETING: 'Hello', NAME: 'Paved', WORKLOAD_NAME: 'hello-world', ESCAPED: '$_${fizzbuzz}' });
    expect(hello.args).toEqual(['-c', 'while true; do echo ${GREETING} ${NAME}!; sleep 5; done']);
  });

  it('marks variables that carry a secret output', () => {
    const parsed = parseScore(fixture('score-compose/examples/06-resource-provisioning/score.yaml'));
    if (!parsed.ok) throw new Error('expected valid');
    const outputs = { host: 'localhost', port: 6379, username: 'u', password: 'p' };
    const result = resolveWorkload(parsed.workload, { metadata: parsed.workload.metadata, resources: { 'cache-a': { outputs, secretOutputs: ['password'] } } });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.resolved.workload.containers.example!.variables!.CONNECTION).toBe('redis://u:p@localhost:6379');
    expect(result.resolved.secretVariables).toEqual({ example: ['CONNECTION'] });
  });

  it('says which field names an undeclared resource or a missing output', () => {
    const parsed = parseScore(fixture('score-compose/examples/06-resource-provisioning/score.yaml'));
    if (!parsed.ok) throw new Error('expected valid');
    const result = resolveWorkload(parsed.workload, { metadata: parsed.workload.metadata, resources: { 'cache-a': { outputs: { host: 'h' }, secretOutputs: [] } } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ path: 'containers.example.variables.CONNECTION', message: expect.stringContaining('"username" is not there') });
  });

  it('lets resource params use metadata only', () => {
    const parsed = parseScore(['apiVersion: score.dev/v1b1', 'metadata: {name: shop}', 'containers: {web: {image: .}}', 'resources:', '  db: {type: postgres, params: {name: "${metadata.name}-db", other: "${resources.x.y}"}}'].join('\n'));
    if (!parsed.ok) throw new Error('expected valid');
    const result = resolveResourceParams(parsed.workload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.objectContaining({ path: 'resources.db.params.other' })]);
  });
});
