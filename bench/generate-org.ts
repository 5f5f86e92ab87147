import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Writes a realistic, deterministic organization as a tree of Backstage `catalog-info.yaml`
 * files: one root Location listing ~150 multi-document files of ~700 entities each.
 *
 * Shape for 100,000 entities: 400 domains, 2,000 groups (organization → divisions →
 * departments → teams), 15,000 users, 2,000 systems, 59,600 components, 15,000 APIs and
 * 6,000 resources. Sizes are skewed (log-normal) the way real ones are: a few teams own
 * hundreds of components, most own a dozen. Every reference points at an entity in the tree,
 * so a catalog that reads it all has no dangling relation.
 *
 * The counted entities exclude the root Location, which the catalog stores as one more entity.
 */

export type OrgKind = 'Domain' | 'Group' | 'User' | 'System' | 'Component' | 'API' | 'Resource';

export const ORG_KINDS: readonly OrgKind[] = ['Domain', 'Group', 'User', 'System', 'Component', 'API', 'Resource'];

export interface GenerateOrgOptions {
  /** Directory to write into; created when missing, its `*.yaml` files replaced. */
  dir: string;
  /** Entities to write, not counting the root Location. At least 100. */
  entities: number;
  seed?: number;
}

/** What the query phase of a benchmark draws its inputs from. */
export interface OrgSamples {
  /** Teams that own at least one component, with how many they own. */
  owners: { team: string; components: number }[];
  /** Entity refs of every kind, `kind:default/name`, in random order. */
  refs: { kind: string; name: string }[];
  /** Words that occur in names and descriptions, for full-text search. */
  terms: string[];
  /** A component and the relations the catalog must derive from its descriptor. */
  probe: { ref: string; ownedBy: string; partOf: string };
}

export interface GeneratedOrg {
  dir: string;
  /** Absolute path of the root `catalog-info.yaml`. */
  rootFile: string;
  seed: number;
  entities: number;
  counts: Record<OrgKind, number>;
  files: string[];
  samples: OrgSamples;
}

interface Descriptor {
  apiVersion: 'backstage.io/v1alpha1';
  kind: OrgKind | 'Location';
  metadata: { name: string; title?: string; description?: string; tags?: string[]; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** Bumped whenever the output for a given (entities, seed) changes, so cached trees are rebuilt. */
const GENERATOR_VERSION = 1;
const ENTITIES_PER_FILE = 700;
const MANIFEST = 'manifest.json';

// ---- seeded randomness -------------------------------------------------------------------------

type Random = () => number;

/** sfc32: small, fast, and good enough that skew comes from the model, not the generator. */
function createRandom(seed: number): Random {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const chosen = new Set<T>();
  const wanted = Math.min(count, items.length);
  while (chosen.size < wanted) chosen.add(pick(random, items));
  return [...chosen];
}

function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Picks indexes in proportion to log-normal weights: a few heavy hitters, a long tail. */
class SkewedPicker {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly random: Random,
    size: number,
    spread = 1,
  ) {
    if (size < 1) throw new Error('SkewedPicker needs at least one item');
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) {
      const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      total += Math.exp(spread * gaussian);
      this.cumulative[i] = total;
    }
  }

  next(): number {
    const target = this.random() * (this.cumulative[this.cumulative.length - 1] ?? 0);
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.cumulative[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

// ---- vocabulary ------------------------------------------------------------------------------

const BUSINESS = `payments checkout billing invoicing ledger orders catalog inventory shipping fulfillment pricing
search recommendations identity accounts profile notifications messaging email sms analytics reporting metrics
logging tracing audit compliance risk fraud onboarding subscriptions loyalty rewards coupons cart reviews ratings
content media images video streaming playlist artists tickets events booking reservations scheduling calendar maps
geo routing delivery drivers fleet warehouse returns refunds tax currency treasury payroll recruiting expenses
procurement vendors contracts documents storage backup gateway edge dns auth sso permissions policy settings
experiments feedback support chat helpdesk knowledge wiki forum social feed timeline graph insights forecasting
planning quotes claims underwriting lending cards wallet transfers kyc sanctions merchants partners marketplace
listings offers promotions campaigns ads attribution consent privacy translations localization accessibility
devices firmware telemetry sensors energy batteries charging parking rides trips fares weather`
  .split(/\s+/)
  .filter(Boolean);

const PARTS = `service api worker consumer producer processor scheduler indexer crawler sync bridge adapter proxy router
cache store engine pipeline exporter importer aggregator collector validator resolver renderer dashboard portal
console frontend web app sdk client core models schema jobs batch stream etl scorer notifier tracker manager
registry gateway monitor`
  .split(/\s+/)
  .filter(Boolean);

const QUALIFIERS = `v2 legacy internal public mobile admin partner eu us apac realtime nightly core lite next edge ios android`
  .split(/\s+/)
  .filter(Boolean);

const SYSTEM_NOUNS = ['platform', 'system', 'suite', 'hub', 'services', 'stack', 'backbone', 'cloud'];

const DIVISIONS = ['engineering', 'product', 'data', 'platform', 'commerce', 'finance', 'operations', 'security', 'growth', 'infrastructure', 'mobility', 'media'];

const FIRST_NAMES = `james mary robert patricia john jennifer michael linda david elizabeth william barbara richard susan joseph
jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty anthony margaret mark sandra donald
ashley steven kimberly paul emily andrew donna joshua michelle kenneth carol kevin amanda brian melissa george
deborah timothy stephanie ronald rebecca edward sharon jason laura jeffrey cynthia ryan kathleen jacob amy gary
angela nicholas shirley eric anna jonathan brenda stephen pamela larry emma justin nicole scott helen brandon
samantha benjamin katherine samuel christine gregory debra alexander rachel frank carolyn patrick janet raymond
catherine jack maria dennis heather jerry diane tyler ruth aaron julie jose olivia adam joyce henry virginia
nathan victoria douglas kelly zachary lauren peter christina kyle joan ethan evelyn walter judith noah megan
jeremy andrea christian cheryl keith hannah roger jacqueline terry martha gerald gloria harold teresa sean ann
austin sara carl madison arthur frances lawrence kathryn dylan janice jesse jean jordan abigail bryan alice
billy judy joe sophia bruce grace gabriel denise logan amber albert doris willie marilyn alan danielle juan
beverly wayne isabella elijah theresa randy diana roy natalie vincent brittany ralph charlotte eugene marie
russell kayla bobby alexis mason lori priya arjun wei mei hiroshi yuki sven ingrid lars astrid pierre amelie
diego lucia mateo sofia omar fatima ali aisha kofi amara chen li`
  .split(/\s+/)
  .filter(Boolean);

const LAST_NAMES = `smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson
anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson
walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell
mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris
morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward
richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders
patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes
gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace
moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall
owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb tucker guzman
burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes
palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson
nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce hansen larsen
nakamura tanaka sato suzuki wang zhang liu singh kumar sharma okafor mensah novak kowalski schneider muller`
  .split(/\s+/)
  .filter(Boolean);

const TECH = ['java', 'kotlin', 'go', 'typescript', 'python', 'rust', 'scala', 'ruby', 'react', 'grpc', 'kafka', 'postgres', 'redis', 'graphql', 'spring', 'node', 'terraform', 'kubernetes', 'aws', 'gcp'];
const VERBS = ['Handles', 'Serves', 'Computes', 'Stores', 'Publishes', 'Reconciles', 'Validates', 'Aggregates', 'Exposes', 'Schedules'];
const OBJECTS = ['requests', 'records', 'events', 'updates', 'reports', 'snapshots', 'batches', 'lookups', 'notifications', 'changes'];
const TRAITS = ['Runs in three regions', 'Paged on call around the clock', 'Migrating to the new platform this quarter', 'Read-heavy, cached at the edge', 'Owned jointly during the reorganisation', 'Scheduled for a rewrite', 'Backed by a managed database', 'Emits audit events for compliance'];

const COMPONENT_TYPES: readonly [string, number][] = [['service', 0.55], ['website', 0.15], ['library', 0.3]];
const LIFECYCLES: readonly [string, number][] = [['production', 0.7], ['experimental', 0.2], ['deprecated', 0.1]];
const API_TYPES: readonly [string, string][] = [['openapi', 'api'], ['grpc', 'grpc'], ['asyncapi', 'events']];
const RESOURCE_TYPES = ['database', 's3-bucket', 'queue'];

function weighted(random: Random, options: readonly [string, number][]): string {
  let roll = random();
  for (const [value, weight] of options) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return options[options.length - 1]![0];
}

function titleCase(words: string): string {
  return words
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** Hands out names unique per kind: tries a few candidates, then numbers the last one. */
class NameBook {
  private readonly taken = new Set<string>();

  claim(candidates: () => string): string {
    let name = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      name = candidates();
      if (!this.taken.has(name)) return this.keep(name);
    }
    for (let n = 2; ; n++) {
      const numbered = `${name.slice(0, 58)}-${n}`;
      if (!this.taken.has(numbered)) return this.keep(numbered);
    }
  }

  private keep(name: string): string {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) || name.length > 63) throw new Error(`generated an invalid name: ${name}`);
    this.taken.add(name);
    return name;
  }
}

// ---- the organization model --------------------------------------------------------------------

function planCounts(entities: number): Record<OrgKind, number> {
  if (!Number.isInteger(entities) || entities < 100) throw new Error(`entities must be an integer ≥ 100, got ${entities}`);
  const share = (fraction: number, min: number) => Math.max(min, Math.round(entities * fraction));
  const counts = {
    Domain: share(0.004, 1),
    Group: share(0.02, 6),
    User: share(0.15, 1),
    System: share(0.02, 2),
    API: share(0.15, 1),
    Resource: share(0.06, 1),
    Component: 0,
  };
  counts.Component = entities - counts.Domain - counts.Group - counts.User - counts.System - counts.API - counts.Resource;
  return counts;
}

interface Group { name: string; type: string; parent?: string; children: string[] }
interface System { name: string; owner: string; domain: string; business: string; components: number[]; resources: string[] }
interface Component { name: string; type: string; lifecycle: string; owner: string; system: number; business: string; part: string; provides: string[]; consumes: string[]; dependsOn: string[] }

function buildOrg(entities: number, seed: number): { docs: Map<OrgKind, Descriptor[]>; samples: OrgSamples } {
  const random = createRandom(seed);
  const counts = planCounts(entities);
  const docs = new Map<OrgKind, Descriptor[]>(ORG_KINDS.map((kind) => [kind, []]));
  const push = (doc: Descriptor) => docs.get(doc.kind as OrgKind)!.push(doc);
  const terms = new Set<string>();

  // Groups: one organization, divisions, departments, and teams under the departments.
  const groupNames = new NameBook();
  const divisionCount = Math.max(1, Math.min(DIVISIONS.length, Math.round(counts.Group * 0.005)));
  const departmentCount = Math.max(1, Math.round(counts.Group * 0.04));
  const teamCount = counts.Group - 1 - divisionCount - departmentCount;
  const root: Group = { name: groupNames.claim(() => 'acme'), type: 'organization', children: [] };
  const divisions = DIVISIONS.slice(0, divisionCount).map((word): Group => ({ name: groupNames.claim(() => word), type: 'division', parent: root.name, children: [] }));
  root.children = divisions.map((d) => d.name);
  const departments = Array.from({ length: departmentCount }, (_, i): Group => {
    const division = divisions[i % divisions.length]!;
    const name = groupNames.claim(() => `${division.name}-${pick(random, BUSINESS)}`);
    division.children.push(name);
    return { name, type: 'department', parent: division.name, children: [] };
  });
  const teams = Array.from({ length: teamCount }, (): Group => {
    const department = pick(random, departments);
    const name = groupNames.claim(() => `${pick(random, BUSINESS)}-${pick(random, PARTS)}-team`);
    department.children.push(name);
    return { name, type: 'team', parent: department.name, children: [] };
  });
  for (const group of [root, ...divisions, ...departments, ...teams]) {
    const spec: Record<string, unknown> = { type: group.type };
    if (group.parent) spec.parent = group.parent;
    spec.children = group.children;
    spec.profile = { displayName: titleCase(group.name), email: `${group.name}@acme.example` };
    push({ apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name: group.name, description: `The ${titleCase(group.name)} ${group.type} at Acme.` }, spec });
  }

  // Users: members of one team, sometimes two; a few belong to a department directly.
  const userNames = new NameBook();
  const teamPicker = new SkewedPicker(random, teams.length, 0.6);
  for (let i = 0; i < counts.User; i++) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const name = userNames.claim(() => `${first}-${last}`);
    const memberOf = random() < 0.05 ? [pick(random, departments).name] : [teams[teamPicker.next()]!.name];
    if (random() < 0.1) memberOf.push(teams[teamPicker.next()]!.name);
    const display = `${titleCase(first)} ${titleCase(last)}`;
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name },
      spec: { profile: { displayName: display, email: `${name}@acme.example` }, memberOf: [...new Set(memberOf)] },
    });
  }

  // Domains, owned by departments; systems, owned by teams, about five per domain.
  const domainNames = new NameBook();
  const domains = Array.from({ length: counts.Domain }, () => {
    const business = pick(random, BUSINESS);
    return { name: domainNames.claim(() => (random() < 0.5 ? business : `${business}-${pick(random, QUALIFIERS)}`)), business, owner: pick(random, departments).name };
  });
  for (const domain of domains) {
    terms.add(domain.business);
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Domain',
      metadata: { name: domain.name, title: titleCase(domain.name), description: `Everything about ${domain.business} at Acme.` },
      spec: { owner: domain.owner },
    });
  }
  const systemNames = new NameBook();
  const ownerPicker = new SkewedPicker(random, teams.length, 1.1);
  const systems: System[] = Array.from({ length: counts.System }, (_, i) => {
    const domain = domains[i % domains.length]!;
    const business = random() < 0.6 ? domain.business : pick(random, BUSINESS);
    const name = systemNames.claim(() => `${business}-${pick(random, SYSTEM_NOUNS)}`);
    return { name, owner: teams[ownerPicker.next()]!.name, domain: domain.name, business, components: [], resources: [] };
  });

  // Components: spread over systems with skew, mostly owned by their system's team.
  const componentNames = new NameBook();
  const systemPicker = new SkewedPicker(random, systems.length, 0.9);
  const components: Component[] = [];
  for (let i = 0; i < counts.Component; i++) {
    const systemIndex = systemPicker.next();
    const system = systems[systemIndex]!;
    const business = random() < 0.7 ? system.business : pick(random, BUSINESS);
    const part = pick(random, PARTS);
    const type = i === 0 ? 'service' : weighted(random, COMPONENT_TYPES);
    const name = componentNames.claim(() => (random() < 0.4 ? `${business}-${part}` : `${business}-${pick(random, QUALIFIERS)}-${part}`));
    const owner = random() < 0.8 ? system.owner : teams[ownerPicker.next()]!.name;
    system.components.push(components.length);
    components.push({ name, type, lifecycle: weighted(random, LIFECYCLES), owner, system: systemIndex, business, part, provides: [], consumes: [], dependsOn: [] });
    terms.add(business);
    terms.add(part);
  }
  const services = components.filter((c) => c.type === 'service');

  // APIs: each provided by one service and consumed by a few other components.
  const apiNames = new NameBook();
  const apis: { name: string; type: string; provider: Component }[] = [];
  for (let i = 0; i < counts.API; i++) {
    const provider = pick(random, services);
    const [type, suffix] = pick(random, API_TYPES);
    const name = apiNames.claim(() => `${provider.name.slice(0, 50)}-${suffix}`);
    provider.provides.push(name);
    apis.push({ name, type, provider });
  }
  for (const component of components) {
    if (component.type === 'library' || apis.length === 0) continue;
    for (const api of pickSome(random, apis, between(random, 0, 3))) {
      if (api.provider !== component) component.consumes.push(api.name);
    }
  }

  // Resources: belong to a system, a dependency of one of its components.
  const resourceNames = new NameBook();
  const resources: { name: string; type: string; system: System; dependencyOf: Component }[] = [];
  for (let i = 0; i < counts.Resource; i++) {
    const system = systems[systemPicker.next()]!;
    const type = pick(random, RESOURCE_TYPES);
    const suffix = type === 'database' ? 'db' : type === 's3-bucket' ? 'bucket' : 'queue';
    const name = resourceNames.claim(() => `${system.business}-${pick(random, OBJECTS)}-${suffix}`);
    const dependencyOf = system.components.length > 0 ? components[pick(random, system.components)]! : pick(random, components);
    system.resources.push(name);
    resources.push({ name, type, system, dependencyOf });
  }
  for (const component of components) {
    const system = systems[component.system]!;
    if (system.resources.length > 0 && random() < 0.5) {
      for (const resource of pickSome(random, system.resources, between(random, 1, 2))) component.dependsOn.push(`resource:${resource}`);
    }
    if (system.components.length > 1 && random() < 0.3) {
      for (const other of pickSome(random, system.components, between(random, 1, 2))) {
        const target = components[other]!;
        if (target !== component) component.dependsOn.push(`component:${target.name}`);
      }
    }
  }

  for (const system of systems) {
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'System',
      metadata: { name: system.name, title: titleCase(system.name), description: `The ${system.business} ${pick(random, SYSTEM_NOUNS)} of Acme.` },
      spec: { owner: system.owner, domain: system.domain },
    });
  }
  for (const component of components) {
    const system = systems[component.system]!;
    const tags = pickSome(random, TECH, between(random, 1, 3));
    const spec: Record<string, unknown> = { type: component.type, lifecycle: component.lifecycle, owner: component.owner, system: system.name };
    if (component.provides.length > 0) spec.providesApis = component.provides;
    if (component.consumes.length > 0) spec.consumesApis = component.consumes;
    if (component.dependsOn.length > 0) spec.dependsOn = component.dependsOn;
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: component.name,
        title: titleCase(component.name),
        description: `${pick(random, VERBS)} ${component.business} ${pick(random, OBJECTS)} for the ${titleCase(system.name)}. Built with ${tags.join(', ')}. ${pick(random, TRAITS)}.`,
        tags,
        annotations: { 'github.com/project-slug': `acme/${component.name}` },
      },
      spec,
    });
  }
  for (const api of apis) {
    const system = systems[api.provider.system]!;
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'API',
      metadata: { name: api.name, title: titleCase(api.name), description: `The ${api.type} interface of ${api.provider.name}.`, tags: [api.type] },
      spec: { type: api.type, lifecycle: api.provider.lifecycle, owner: api.provider.owner, system: system.name, definition: apiDefinition(api.type, api.name, api.provider.business) },
    });
  }
  for (const resource of resources) {
    push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Resource',
      metadata: { name: resource.name, description: `A ${resource.type} of the ${titleCase(resource.system.name)}.` },
      spec: { type: resource.type, owner: resource.system.owner, system: resource.system.name, dependencyOf: [`component:${resource.dependencyOf.name}`] },
    });
  }

  const owned = new Map<string, number>();
  for (const component of components) owned.set(component.owner, (owned.get(component.owner) ?? 0) + 1);
  const refs: { kind: string; name: string }[] = [];
  for (const [kind, list] of docs) for (const doc of list) if (random() < 4000 / entities) refs.push({ kind: kind.toLowerCase(), name: doc.metadata.name });
  const probeComponent = components[Math.floor(random() * components.length)]!;
  return {
    docs,
    samples: {
      owners: [...owned].map(([team, count]) => ({ team, components: count })),
      refs: shuffle(random, refs),
      terms: [...terms].sort(),
      probe: {
        ref: `component:default/${probeComponent.name}`,
        ownedBy: `group:default/${probeComponent.owner}`,
        partOf: `system:default/${systems[probeComponent.system]!.name}`,
      },
    },
  };
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function apiDefinition(type: string, name: string, business: string): string {
  if (type === 'grpc') {
    const service = titleCase(name).replaceAll(' ', '');
    return `syntax = "proto3";\npackage acme.${business.replaceAll('-', '_')};\n\nservice ${service} {\n  rpc Get (GetRequest) returns (GetResponse);\n}\n`;
  }
  if (type === 'asyncapi') {
    return `asyncapi: 2.6.0\ninfo:\n  title: ${titleCase(name)}\n  version: 1.0.0\nchannels:\n  ${business}.updated:\n    subscribe:\n      message:\n        name: ${business}-updated\n`;
  }
  return `openapi: 3.0.3\ninfo:\n  title: ${titleCase(name)}\n  version: 1.0.0\npaths:\n  /${business}:\n    get:\n      summary: List ${business}\n      responses:\n        '200':\n          description: OK\n`;
}

// ---- YAML output ---------------------------------------------------------------------------------

const YAML_WORDS = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

/** A plain scalar when that is unambiguous, a JSON (= YAML double-quoted) string otherwise. */
function scalar(value: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9 ,.()'/@_-]*$/.test(value) && !value.endsWith(' ') && !YAML_WORDS.test(value);
  return plain ? value : JSON.stringify(value);
}

function emit(value: unknown, indent: string, out: string[]): void {
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const label = `${indent}${/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key)}:`;
    if (typeof item === 'string') {
      if (item.includes('\n')) {
        out.push(`${label} |`);
        for (const line of item.replace(/\n$/, '').split('\n')) out.push(line === '' ? '' : `${indent}  ${line}`);
      } else {
        out.push(`${label} ${scalar(item)}`);
      }
    } else if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${label} []`);
      else {
        out.push(label);
        for (const element of item) out.push(`${indent}  - ${scalar(String(element))}`);
      }
    } else if (item !== null && typeof item === 'object') {
      out.push(label);
      emit(item, `${indent}  `, out);
    } else {
      throw new Error(`cannot emit ${typeof item} at ${key}`);
    }
  }
}

function toYamlDocuments(docs: Descriptor[]): string {
  const out: string[] = [];
  for (const doc of docs) {
    out.push('---');
    emit(doc, '', out);
  }
  out.push('');
  return out.join('\n');
}

// ---- writing -------------------------------------------------------------------------------------

const FILE_STEMS: Record<OrgKind, string> = {
  Domain: 'domains',
  Group: 'groups',
  User: 'users',
  System: 'systems',
  Component: 'components',
  API: 'apis',
  Resource: 'resources',
};

/**
 * Generates the organization into `dir`. Deterministic: the same entities and seed give the
 * same bytes, so a tree left by an earlier run (same `manifest.json`) is reused, not rewritten.
 */
export function generateOrg(options: GenerateOrgOptions): GeneratedOrg {
  const dir = path.resolve(options.dir);
  const seed = options.seed ?? 42;
  const manifestFile = path.join(dir, MANIFEST);
  if (fs.existsSync(manifestFile)) {
    const existing = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as GeneratedOrg & { version: number };
    if (existing.version === GENERATOR_VERSION && existing.entities === options.entities && existing.seed === seed && existing.dir === dir) {
      const { version: _version, ...org } = existing;
      return org;
    }
  }

  const { docs, samples } = buildOrg(options.entities, seed);
  fs.mkdirSync(dir, { recursive: true });
  for (const old of fs.readdirSync(dir)) if (old.endsWith('.yaml') || old === MANIFEST) fs.rmSync(path.join(dir, old));

  const files: string[] = [];
  const counts = {} as Record<OrgKind, number>;
  for (const kind of ORG_KINDS) {
    const list = docs.get(kind)!;
    counts[kind] = list.length;
    const chunks = Math.max(1, Math.ceil(list.length / ENTITIES_PER_FILE));
    const width = Math.max(2, String(chunks).length);
    for (let chunk = 0; chunk < chunks; chunk++) {
      const file = `${FILE_STEMS[kind]}-${String(chunk + 1).padStart(width, '0')}.yaml`;
      const size = Math.ceil(list.length / chunks);
      fs.writeFileSync(path.join(dir, file), toYamlDocuments(list.slice(chunk * size, (chunk + 1) * size)));
      files.push(file);
    }
  }
  const rootFile = path.join(dir, 'catalog-info.yaml');
  const location: Descriptor = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Location',
    metadata: { name: 'acme-org', description: `The Acme organization: ${options.entities} generated entities.` },
    spec: { targets: files.map((file) => `./${file}`) },
  };
  fs.writeFileSync(rootFile, toYamlDocuments([location]));

  const org: GeneratedOrg = { dir, rootFile, seed, entities: options.entities, counts, files, samples };
  fs.writeFileSync(manifestFile, JSON.stringify({ version: GENERATOR_VERSION, ...org }));
  return org;
}

function main(argv: string[]): void {
  const [dir, count, seed] = argv;
  if (!dir) {
    console.error('usage: npx tsx bench/generate-org.ts <dir> [entities=100000] [seed=42]');
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const org = generateOrg({ dir, entities: Number(count ?? 100_000), seed: seed === undefined ? undefined : Number(seed) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`wrote ${org.entities} entities in ${org.files.length} files to ${org.dir} in ${seconds} s`);
  for (const kind of ORG_KINDS) console.log(`  ${kind.padEnd(10)} ${org.counts[kind]}`);
  console.log(`root: ${org.rootFile}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
