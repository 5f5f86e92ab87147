import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { type GitService, createGitService } from './git-service.js';
import { repositoryRoutes, smartHttpRoutes } from './routes.js';

export { gitMigrations } from './migrations.js';
export { pavedGit } from './paved-git.js';
export type { GitService, PushEvent, Repository } from './git-service.js';

export interface GitModule {
  service: GitService;
  /** `/api/git`: the repository API. */
  routes: FastifyPluginAsync;
  /** `/git`: git's smart HTTP protocol. */
  smartHttp: FastifyPluginAsync;
}

/** Embedded git hosting: bare repositories in `<dataDir>/git`, served over smart HTTP. */
export function createGit(deps: { db: Kysely<Database>; dataDir: string }): GitModule {
  const service = createGitService(deps);
  return { service, routes: repositoryRoutes(service), smartHttp: smartHttpRoutes(service) };
}
