import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import { type Command, Option } from 'commander';
import { type Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, stringify as toYaml } from 'yaml';
import type { AppliedEntity, EntitiesPage } from '../../catalog/entity-service.js';
import type { AddLocationResult } from '../../catalog/location-service.js';
import type { LocationStatus } from '../../catalog/store/location-store.js';
import { ApiError, connect } from '../api-client.js';
import { wholeNumber } from '../arguments.js';
import { CliError, type CliIo, ExitCode, UsageError, createOutput, displayFile, formatProblem, globalOptions, printError } from '../output.js';
import { refOf } from '../text.js';

/** `paved catalog …`: the catalog API under `/api/catalog`, plus offline validation. */
export function registerCatalogCommands(program: Command, io: CliIo): void {
  const catalog = program.command('catalog').description('register, apply, find, validate and delete catalog entities');

  catalog
    .command('register')
    .description('register a location (a catalog-info.yaml file or URL) and read its entities now')
    .argument('<target>', 'an http(s) URL, or a path on the server machine (made absolute here)')
    .addOption(new Option('--type <type>', 'location type (default: url for http(s), else file)').choices(['url', 'file']))
    .option('--dry-run', 'read and validate it, store nothing')
    .addHelpText('after', '\nExamples:\n  paved catalog register ./catalog-info.yaml\n  paved catalog register https://example.com/org/catalog-info.yaml --dry-run')
    .action(async (target: string, options: { type?: 'url' | 'file'; dryRun?: boolean }, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const spec = locationSpecOf(target, options.type, io.cwd);
      const result = await client.request<AddLocationResult>('POST', '/api/catalog/locations', {
        query: { dryRun: options.dryRun ? 'true' : undefined },
        json: spec,
      });
      const problems = result.processing?.problems ?? [];
      if (out.json) return out.data(result);
      const counts = result.processing;
      if (options.dryRun) {
        out.line(`Dry run of ${spec.type}:${spec.target}${result.exists ? ' (already registered)' : ''}: ${result.entities.length} entities, nothing stored.`);
        for (const entity of result.entities) out.line(`  ${refOf(entity)}`);
      } else {
        out.line(`Registered location ${result.location.id} (${spec.type}:${spec.target}).`);
        if (counts) {
          out.line(`${counts.entityCount} entities: ${counts.added} added, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.removed} removed.`);
        }
      }
      for (const problem of problems) out.warn(formatProblem(problem));
      if (problems.length === 0) return;
      out.note(`${problems.length} problem${problems.length === 1 ? '' : 's'}; fix them in the files named and the next refresh picks them up.`);
      if (!options.dryRun && counts?.entityCount === 0) {
        out.note(`The location provides no entities yet. If the target is wrong: paved catalog unregister ${result.location.id}`);
      }
    });

  catalog
    .command('apply')
    .description('store descriptors directly (YAML, multi-document), one request per file; each file is all or nothing')
    .option('-f, --file <file>', 'a descriptor file; repeat for several; - reads standard input', collect, [])
    .addHelpText('after', '\nExamples:\n  paved catalog apply -f catalog-info.yaml\n  paved catalog apply -f team.yaml -f services.yaml\n  cat catalog-info.yaml | paved catalog apply -f -')
    .action(async (options: { file: string[] }, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      if (options.file.length === 0) throw new UsageError('Name at least one file', ['paved catalog apply -f catalog-info.yaml   (or -f - for standard input)']);
      // Every file is read before anything is sent, so a typo in the last name stores nothing.
      const files = await Promise.all(options.file.map(async (file) => ({ name: file === '-' ? '<stdin>' : file, text: await readInput(io, file) })));
      const client = connect(io, globals, out);
      const applied: (Pick<AppliedEntity, 'entityRef' | 'status'> & { file: string })[] = [];
      let failed = 0;
      for (const file of files) {
        try {
          const { items } = await client.request<{ items: AppliedEntity[] }>('POST', '/api/catalog/entities', { yaml: file.text });
          for (const item of items) {
            applied.push({ file: file.name, entityRef: item.entityRef, status: item.status });
            if (!out.json) out.line(`${item.entityRef} ${item.status}`);
          }
          if (items.length === 0) out.note(`${file.name}: no descriptors in it`);
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          if (files.length === 1) throw error.inFile(file.name);
          failed++;
          printError(io, error.inFile(file.name), out.json);
        }
      }
      if (out.json) out.data({ items: applied });
      if (failed) throw new CliError(`${failed} of ${files.length} files failed; the rest were applied`, 1);
    });

  catalog
    .command('get')
    .description('show one entity as YAML (JSON with --json)')
    .argument('<ref>', 'kind:[namespace/]name, e.g. component:default/cart-service')
    .addHelpText('after', '\nExamples:\n  paved catalog get component:cart-service\n  paved catalog get group:default/payments --json')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const entity = await client.request<Entity>('GET', byNamePath(await entityRefOf(ref)));
      if (out.json) return out.data(entity);
      io.stdout(toYaml(entity));
    });

  catalog
    .command('list')
    .description('list entities: REF, TYPE, OWNER, LIFECYCLE, and how many there are')
    .option('--kind <kind>', 'only this kind, e.g. component')
    .option('--owner <ref>', 'only entities owned by this group or user (team-a means group:default/team-a)')
    .option('--type <type>', 'only this spec.type, e.g. service')
    .option('--filter <conditions>', 'key=value conditions, comma-separated, all must match; repeat for alternatives', collect, [])
    .option('--search <term>', 'full-text search in name, title, description, tags…')
    .option('--limit <n>', 'at most this many entities', wholeNumber({ max: 10_000 }), 100)
    .option('--all', 'every matching entity, page by page (ignores --limit)')
    .addHelpText(
      'after',
      '\nExamples:\n  paved catalog list --kind component --owner team-a\n  paved catalog list --filter spec.lifecycle=production --filter spec.lifecycle=experimental\n  paved catalog list --search cart --all --json',
    )
    .action(async (options: ListOptions, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const pageSize = options.all ? 500 : options.limit;
      const query = {
        filter: await filterParams(options),
        orderField: ['kind,asc', 'metadata.namespace,asc', 'metadata.name,asc'],
        fields: out.json ? undefined : 'kind,metadata.name,metadata.namespace,spec.type,spec.owner,spec.lifecycle',
        fullTextFilterTerm: options.search,
        limit: pageSize,
      };
      let page = await client.request<EntitiesPage>('GET', '/api/catalog/entities/by-query', { query });
      const items = [...page.items];
      while (options.all && page.pageInfo.nextCursor) {
        page = await client.request<EntitiesPage>('GET', '/api/catalog/entities/by-query', {
          query: { cursor: page.pageInfo.nextCursor, limit: pageSize, fields: query.fields },
        });
        items.push(...page.items);
      }
      if (out.json) return out.data({ items, totalItems: page.totalItems });
      if (items.length > 0) {
        out.table(
          ['REF', 'TYPE', 'OWNER', 'LIFECYCLE'],
          items.map((entity) => [refOf(entity), specField(entity, 'type'), specField(entity, 'owner'), specField(entity, 'lifecycle')]),
        );
      }
      const total = page.totalItems;
      out.note(items.length < total ? `${items.length} of ${total} entities; --all lists every one.` : `${total} ${total === 1 ? 'entity' : 'entities'}.`);
    });

  catalog
    .command('delete')
    .description('delete one entity (its owners or an administrator)')
    .argument('<ref>', 'kind:[namespace/]name')
    .addHelpText('after', '\nExample:\n  paved catalog delete component:default/cart-service')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const entityRef = await entityRefOf(ref);
      const entity = await client.request<Entity>('GET', byNamePath(entityRef));
      const uid = entity.metadata.uid;
      if (!uid) throw new CliError(`The server returned ${refOf(entity)} without a uid; it cannot be deleted by uid`, 1);
      await client.request('DELETE', `/api/catalog/entities/by-uid/${encodeURIComponent(uid)}`);
      const origin = entity.metadata.annotations?.['backstage.io/managed-by-origin-location'];
      if (out.json) return out.data({ deleted: refOf(entity), uid, ...(origin ? { origin } : {}) });
      out.line(`Deleted ${refOf(entity)}.`);
      if (origin && origin !== 'paved:api') {
        out.warn(
          `it was read from the location ${displayFile(origin)}, whose next refresh brings it back. Remove it from that file, or unregister the location (\`paved catalog locations\` shows its id).`,
        );
      }
    });

  catalog
    .command('unregister')
    .description('unregister a location and remove every entity it provided')
    .argument('<location-id>', 'as `paved catalog locations` shows it')
    .action(async (id: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      await client.request('DELETE', `/api/catalog/locations/${encodeURIComponent(id)}`);
      if (out.json) return out.data({ unregistered: id });
      out.line(`Unregistered location ${id} and removed its entities.`);
    });

  catalog
    .command('locations')
    .description('list registered locations with the status of their last read (--verbose: every problem)')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const locations = (await client.request<{ data: LocationStatus }[]>('GET', '/api/catalog/locations')).map((item) => item.data);
      if (out.json) return out.data({ items: locations });
      if (locations.length === 0) return out.note('No locations registered.');
      out.table(
        ['ID', 'TYPE', 'TARGET', 'STATUS', 'ENTITIES', 'ERRORS', 'LAST READ'],
        locations.map((location) => [location.id, location.type, location.target, location.status, location.entityCount, location.errors.length, location.lastReadAt?.slice(0, 19).replace('T', ' ')]),
      );
      if (globals.verbose) {
        for (const location of locations) for (const problem of location.errors) out.warn(`${location.id}: ${formatProblem(problem)}`);
      } else if (locations.some((location) => location.errors.length > 0)) {
        out.note('Run with --verbose to see each problem.');
      }
    });

  catalog
    .command('validate')
    .description('check descriptor files offline, as the server would (no server or token needed; for CI)')
    .argument('<files...>', 'YAML files, each one or more documents; - reads standard input')
    .addHelpText('after', '\nExamples:\n  paved catalog validate catalog-info.yaml\n  paved catalog validate $(git ls-files "*catalog-info.yaml")')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const out = createOutput(io, globalOptions(command));
      const reports: FileReport[] = [];
      const seen = new Map<string, { file: string; line: number }>();
      for (const file of files) {
        const name = file === '-' ? '<stdin>' : file;
        let text: string;
        try {
          text = await readInput(io, file);
        } catch (error) {
          reports.push({ file: name, documents: 0, entities: [], problems: [{ file: name, message: (error as Error).message }] });
          continue;
        }
        const report = await validateDescriptorText(text, name, file === '-' ? name : path.resolve(io.cwd, file));
        for (const entity of report.found) {
          const earlier = seen.get(entity.ref);
          if (earlier) {
            report.problems.push({ file: name, document: entity.document, line: entity.line, path: 'metadata.name', message: `${entity.ref} is also defined at ${earlier.file}:${earlier.line}` });
          } else seen.set(entity.ref, { file: name, line: entity.line });
        }
        reports.push({ file: name, documents: report.documents, entities: report.found.map((entity) => entity.ref), problems: report.problems });
      }
      const problems = reports.flatMap((report) => report.problems);
      const documents = reports.reduce((sum, report) => sum + report.documents, 0);
      if (out.json) out.data({ valid: problems.length === 0, files: reports });
      else {
        for (const problem of problems) out.line(formatProblem(problem));
        const invalidFiles = reports.filter((report) => report.problems.length > 0).length;
        out.line(
          problems.length === 0
            ? `${files.length} ${files.length === 1 ? 'file' : 'files'}, ${documents} ${documents === 1 ? 'document' : 'documents'}: all valid.`
            : `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} in ${invalidFiles} of ${files.length} ${files.length === 1 ? 'file' : 'files'} (${documents} documents).`,
        );
      }
      if (problems.length > 0) throw new ExitCode(2);
    });
}

interface ListOptions {
  kind?: string;
  owner?: string;
  type?: string;
  filter: string[];
  search?: string;
  limit: number;
  all?: boolean;
}

interface ValidationProblem {
  file: string;
  document?: number;
  line?: number;
  path?: string;
  message: string;
}

interface FileReport {
  file: string;
  documents: number;
  entities: string[];
  problems: ValidationProblem[];
}

/**
 * Validates every document of one YAML text the way the server does when it stores it
 * (`processEntity`), reporting each problem with its line. Does not follow `kind: Location`
 * targets nor substitute `$text`/`$json`/`$yaml` placeholders: those need the files around it.
 */
async function validateDescriptorText(
  text: string,
  file: string,
  absolutePath: string,
): Promise<{ documents: number; found: { ref: string; document: number; line: number }[]; problems: ValidationProblem[] }> {
  const counter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  const documents = Array.isArray(parsed) ? parsed : [];
  const problems: ValidationProblem[] = [];
  const found: { ref: string; document: number; line: number }[] = [];
  let count = 0;
  for (const [index, document] of documents.entries()) {
    const number = index + 1;
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        problems.push({ file, document: number, line: counter.linePos(error.pos[0]).line, message: `YAML syntax: ${error.message.split('\n')[0]}` });
      }
      count++;
      continue;
    }
    if (document.contents === null) continue;
    count++;
    const line = lineOfPath(document, counter, undefined) ?? 1;
    let raw: unknown;
    try {
      raw = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({ file, document: number, line, message: (error as Error).message });
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({ file, document: number, line, message: 'a descriptor must be a mapping (apiVersion, kind, metadata, spec)' });
      continue;
    }
    const location = `file:${absolutePath}`;
    // Loaded on first use: the validators take a while to load, and only this command needs them.
    const { processEntity } = await import('../../catalog/processing/process-entity.js');
    const result = await processEntity(raw as Record<string, unknown>, { locationKey: location, originKey: location });
    if (result.ok) found.push({ ref: result.processed.ref, document: number, line: lineOfPath(document, counter, 'metadata.name') ?? line });
    else {
      const { path: jsonPath, message } = result.problem;
      problems.push({ file, document: number, line: lineOfPath(document, counter, jsonPath) ?? line, ...(jsonPath ? { path: jsonPath } : {}), message });
    }
  }
  return { documents: count, found, problems };
}

/**
 * The line of a dotted JSON path in a YAML document, or of its nearest existing parent. Keys may
 * themselves contain dots (annotations like `backstage.io/techdocs-ref`): the longest key that
 * exists wins.
 */
function lineOfPath(document: Document, counter: LineCounter, dotted: string | undefined): number | undefined {
  const lineAt = (node: unknown) => {
    const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | null | undefined) : undefined;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  let node: unknown = document.contents;
  let line = lineAt(node);
  const segments = dotted ? dotted.split('.') : [];
  let at = 0;
  while (at < segments.length) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const map = node;
      let next: number | undefined;
      for (let end = segments.length; end > at && next === undefined; end--) {
        const key = segments.slice(at, end).join('.');
        const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
        if (pair) {
          line = lineAt(pair.key) ?? line;
          node = pair.value;
          next = end;
        }
      }
      if (next === undefined) break;
      at = next;
    } else if (isSeq(node) && /^\d+$/.test(segments[at]!)) {
      const item: unknown = node.items[Number(segments[at])];
      if (item === undefined) break;
      line = lineAt(item) ?? line;
      node = item;
      at++;
    } else break;
  }
  return line;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await fs.promises.readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
}

/** A location as the server wants it: `url` for http(s), else `file` with an absolute path. */
function locationSpecOf(target: string, type: 'url' | 'file' | undefined, cwd: string): { type: 'url' | 'file'; target: string } {
  const resolvedType = type ?? (/^https?:\/\//i.test(target) ? 'url' : 'file');
  if (resolvedType === 'url') return { type: 'url', target };
  return { type: 'file', target: target.startsWith('file://') ? fileURLToPath(target) : path.resolve(cwd, target) };
}

/** @backstage/catalog-model takes half a second to load: only the commands that parse refs load it. */
async function entityRefOf(value: string): Promise<CompoundEntityRef> {
  const { parseEntityRef } = await import('@backstage/catalog-model');
  try {
    return parseEntityRef(value, { defaultNamespace: 'default' });
  } catch {
    throw new UsageError(`"${value}" is not an entity ref`, ['Write kind:[namespace/]name, e.g. component:default/cart-service or component:cart-service.']);
  }
}

function byNamePath(ref: CompoundEntityRef): string {
  return `/api/catalog/entities/by-name/${[ref.kind, ref.namespace, ref.name].map(encodeURIComponent).join('/')}`;
}

/** Backstage's filter parameters: --kind, --owner and --type join every --filter set. */
async function filterParams(options: ListOptions): Promise<string[]> {
  const common = [
    options.kind ? `kind=${options.kind}` : '',
    options.type ? `spec.type=${options.type}` : '',
    options.owner ? `relations.ownedBy=${await ownerRefOf(options.owner)}` : '',
  ].filter(Boolean);
  const sets = options.filter.length > 0 ? options.filter : [''];
  const params = sets.map((set) => [set, ...common].filter(Boolean).join(','));
  return params.filter(Boolean);
}

async function ownerRefOf(value: string): Promise<string> {
  const { parseEntityRef, stringifyEntityRef } = await import('@backstage/catalog-model');
  try {
    return stringifyEntityRef(parseEntityRef(value, { defaultKind: 'group', defaultNamespace: 'default' }));
  } catch (error) {
    throw new UsageError(`"${value}" is not an owner ref: ${(error as Error).message}`);
  }
}

function specField(entity: Partial<Entity>, field: string): string | undefined {
  const value = entity.spec?.[field];
  return typeof value === 'string' ? value : undefined;
}
