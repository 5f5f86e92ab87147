import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { authorize, isAllowed } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { timeOrderedId } from '../db/time-ordered-id.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { type CommitFilesOptions, commitFilesToBranch } from './commit-files.js';
import { type PushDirectoryOptions, commitDirectoryToRepository, fetchRefInto } from './push-directory.js';
import { type Commit, NO_COMMIT, commitsBetween, listBranches, readFile, readLog, readRefs, readTree } from './repository-contents.js';

const run = promisify(execFile);

/** Lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit: no traversal, no surprises. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export interface Repository {
  namespace: string;
  name: string;
  ownerRef: string;
  createdBy: string;
  createdAt: string;
  /** Path to clone from, relative to the server: `/git/<namespace>/<name>.git`. */
  path: string;
}

export interface GitService {
  readonly root: string;
  create(principal: Principal, input: { namespace: string; name: string; ownerRef?: string }): Promise<Repository>;
  list(): Promise<Repository[]>;
  get(namespace: string, name: string): Promise<Repository>;
  /** Removes the repository and its history for good. */
  remove(principal: Principal, namespace: string, name: string): Promise<void>;
  /** Whether the principal may push: it owns the repository, or is an administrator. */
  mayPush(principal: Principal, repository: Repository): boolean;
  /** The refs of a repository now, to compare with after a push. */
  refs(repository: Repository): Promise<Map<string, string>>;
  /**
   * Records one push event per ref a push changed (with its new commits) and audits it;
   * pipelines and delivery metrics read these. Does nothing when no ref changed.
   */
  recordPush(repository: Repository, pusher: string, before: Map<string, string>): Promise<PushEvent[]>;
  pushes(namespace: string, name: string, limit: number): Promise<PushEvent[]>;
  /** Calls `listener` after every recorded push (pipelines start runs from it). */
  onPush(listener: PushListener): void;
  directoryOf(repository: Repository): string;
  /** Mirrors one ref of a remote repository (a push on GitHub or GitLab) and records it as a push here. */
  mirrorRef(repository: Repository, remote: string, ref: string, options: { deleted: boolean; pusher: string; authorization?: string }): Promise<PushEvent[]>;
  /**
   * Commits the files of `sourceDirectory` on `branch` and pushes them to the repository as
   * `principal` (who must be allowed to push); the push is recorded like any other.
   */
  publishDirectory(principal: Principal, repository: Repository, sourceDirectory: string, options: Omit<PushDirectoryOptions, 'authorization'>): Promise<{ commit: string }>;
  /**
   * Commits `files` onto `branch` without a work tree (see commitFilesToBranch); no commit, and
   * `commit: undefined`, when nothing changed. A commit is recorded as a push by `pusher`. It
   * does not authorize: callers decide who may write (delivery writes environment repositories
   * on behalf of a deployment that was authorized already).
   */
  commitFiles(repository: Repository, options: CommitFilesOptions & { pusher: string }): Promise<{ commit: string | undefined }>;
  branches(namespace: string, name: string): Promise<{ name: string; commit: string }[]>;
  log(namespace: string, name: string, ref: string, limit: number): Promise<Commit[]>;
  tree(namespace: string, name: string, ref: string, path: string): ReturnType<typeof readTree>;
  file(namespace: string, name: string, ref: string, path: string): Promise<Buffer>;
}

export type PushListener = (repository: Repository, events: PushEvent[]) => void;

export interface PushEvent {
  id: string;
  repository: string;
  ref: string;
  before: string;
  after: string;
  pusher: string;
  commits: Commit[];
  pushedAt: string;
}

export function validateRepositoryName(value: string, field: 'namespace' | 'name'): string {
  if (!NAME.test(value) || value.endsWith('.git') || value.includes('..')) {
    throw new InvalidInputError('git.invalid_name', `"${value}" is not a valid repository ${field}`, {
      path: field,
      hint: 'Use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit.',
    });
  }
  return value;
}

export function createGitService(deps: { db: Kysely<Database>; dataDir: string }): GitService {
  const { db } = deps;
  const root = path.join(deps.dataDir, 'git');
  const pushListeners: PushListener[] = [];
  fs.mkdirSync(root, { recursive: true });
  const directoryOf = (namespace: string, name: string) => path.join(root, namespace, `${name}.git`);
  const toRepository = (row: Database['git_repositories']): Repository => ({
    namespace: row.namespace,
    name: row.name,
    ownerRef: row.owner_ref,
    createdBy: row.created_by,
    createdAt: row.created_at,
    path: `/git/${row.namespace}/${row.name}.git`,
  });

  return {
    root,
    async create(principal, input) {
      const namespace = validateRepositoryName(input.namespace, 'namespace');
      const name = validateRepositoryName(input.name, 'name');
      const ownerRef = (input.ownerRef ?? principal.userRef).toLowerCase();
      authorize(principal, 'git.repository.create', { ref: `${namespace}/${name}`, ownerRefs: [ownerRef] });
      const existing = await db.selectFrom('git_repositories').select('name').where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
      if (existing) throw new ConflictError('git.repository_exists', `Repository ${namespace}/${name} already exists`);
      const directory = directoryOf(namespace, name);
      await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', directory]);
      await run('git', ['-C', directory, 'config', 'http.receivepack', 'true']);
      const row = { namespace, name, owner_ref: ownerRef, created_by: principal.userRef, created_at: new Date().toISOString() };
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('git_repositories').values(row).execute();
        await recordAuditEvents(trx, [{ actor: principal.userRef, action: 'git.repository.create', target: `repo:${namespace}/${name}`, details: { ownerRef } }]);
      });
      return toRepository(row);
    },

    async list() {
      return (await db.selectFrom('git_repositories').selectAll().orderBy('namespace').orderBy('name').execute()).map(toRepository);
    },

    async get(namespace, name) {
      const row = await db.selectFrom('git_repositories').selectAll().where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
      if (!row) throw new NotFoundError('git.repository_not_found', `No repository ${namespace}/${name}`);
      return toRepository(row);
    },

    async remove(principal, namespace, name) {
      const repository = await this.get(namespace, name);
      authorize(principal, 'git.repository.delete', { ref: `${namespace}/${name}`, ownerRefs: [repository.ownerRef] });
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('git_repositories').where('namespace', '=', namespace).where('name', '=', name).execute();
        await recordAuditEvents(trx, [{ actor: principal.userRef, action: 'git.repository.delete', target: `repo:${namespace}/${name}` }]);
      });
      await fs.promises.rm(directoryOf(namespace, name), { recursive: true, force: true });
    },

    mayPush(principal, repository) {
      return isAllowed(principal, 'git.repository.push', { ref: repository.path, ownerRefs: [repository.ownerRef] });
    },

    refs: (repository) => readRefs(directoryOf(repository.namespace, repository.name)),

    async recordPush(repository, pusher, before) {
      const directory = directoryOf(repository.namespace, repository.name);
      const after = await readRefs(directory);
      const events: PushEvent[] = [];
      for (const ref of new Set([...before.keys(), ...after.keys()])) {
        const from = before.get(ref) ?? NO_COMMIT;
        const to = after.get(ref) ?? NO_COMMIT;
        if (from === to) continue;
        events.push({
          id: timeOrderedId(),
          repository: `${repository.namespace}/${repository.name}`,
          ref,
          before: from,
          after: to,
          pusher,
          commits: await commitsBetween(directory, from, to),
          pushedAt: new Date().toISOString(),
        });
      }
      if (events.length === 0) return events;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('git_push_events')
          .values(events.map((event) => ({ id: event.id, namespace: repository.namespace, name: repository.name, ref: event.ref, before: event.before, after: event.after, pusher, commits: JSON.stringify(event.commits), pushed_at: event.pushedAt })))
          .execute();
        await recordAuditEvents(
          trx,
          events.map((event) => ({ actor: pusher, action: 'git.push', target: `repo:${event.repository}`, details: { ref: event.ref, before: event.before, after: event.after, commits: event.commits.length } })),
        );
      });
      for (const listener of pushListeners) listener(repository, events);
      return events;
    },

    onPush(listener) {
      pushListeners.push(listener);
    },

    async mirrorRef(repository, remote, ref, options) {
      const before = await this.refs(repository);
      await fetchRefInto(directoryOf(repository.namespace, repository.name), remote, ref, options);
      return this.recordPush(repository, options.pusher, before);
    },

    /** Where the repository's bare directory is, for processes that read it (pipeline checkouts). */
    directoryOf: (repository) => directoryOf(repository.namespace, repository.name),

    async publishDirectory(principal, repository, sourceDirectory, options) {
      authorize(principal, 'git.repository.push', { ref: repository.path, ownerRefs: [repository.ownerRef] });
      const before = await this.refs(repository);
      const pushed = await commitDirectoryToRepository(directoryOf(repository.namespace, repository.name), sourceDirectory, options);
      await this.recordPush(repository, principal.userRef, before);
      return pushed;
    },

    async commitFiles(repository, options) {
      const before = await this.refs(repository);
      const committed = await commitFilesToBranch(directoryOf(repository.namespace, repository.name), options);
      if (committed.commit) await this.recordPush(repository, options.pusher, before);
      return committed;
    },

    async pushes(namespace, name, limit) {
      await this.get(namespace, name);
      const rows = await db.selectFrom('git_push_events').selectAll().where('namespace', '=', namespace).where('name', '=', name).orderBy('id', 'desc').limit(limit).execute();
      return rows.map((row) => ({ id: row.id, repository: `${row.namespace}/${row.name}`, ref: row.ref, before: row.before, after: row.after, pusher: row.pusher, commits: JSON.parse(row.commits) as Commit[], pushedAt: row.pushed_at }));
    },

    async branches(namespace, name) {
      await this.get(namespace, name);
      return listBranches(directoryOf(namespace, name));
    },

    async log(namespace, name, ref, limit) {
      await this.get(namespace, name);
      return readLog(directoryOf(namespace, name), ref, limit);
    },

    async tree(namespace, name, ref, path) {
      await this.get(namespace, name);
      return readTree(directoryOf(namespace, name), ref, path);
    },

    async file(namespace, name, ref, path) {
      await this.get(namespace, name);
      return readFile(directoryOf(namespace, name), ref, path);
    },
  };
}
