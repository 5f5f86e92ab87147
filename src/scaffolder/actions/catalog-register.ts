import { stringifyEntityRef } from '@backstage/catalog-model';
import type { ActionServices } from './action.js';
import { defineAction } from './action.js';

interface Input {
  catalogInfoUrl?: string;
  repoContentsUrl?: string;
  catalogInfoPath?: string;
  optional?: boolean;
}

/** `/api/git/repositories/<ns>/<name>/file?ref=&path=` on Paved itself: read through git, not HTTP. */
function embeddedFile(url: URL, services: ActionServices) {
  const match = /^\/api\/git\/repositories\/([^/]+)\/([^/]+)\/file$/.exec(url.pathname);
  if (!match || url.origin !== new URL(services.baseUrl()).origin) return undefined;
  return { namespace: match[1]!, name: match[2]!, ref: url.searchParams.get('ref') ?? 'main', path: url.searchParams.get('path') ?? '' };
}

export const catalogRegister = defineAction<Input>({
  id: 'catalog:register',
  description: "Adds the new repository's catalog-info.yaml to the catalog.",
  supportsDryRun: false,
  schema: {
    input: {
      type: 'object',
      additionalProperties: false,
      properties: {
        catalogInfoUrl: { type: 'string', description: 'URL of the descriptor' },
        repoContentsUrl: { type: 'string', description: 'Base URL of the repository files (publish:git gives it)' },
        catalogInfoPath: { type: 'string', description: 'Path of the descriptor in the repository; default /catalog-info.yaml' },
        optional: { type: 'boolean', description: 'Carry on if registering fails' },
      },
    },
    output: {
      type: 'object',
      properties: {
        entityRef: { type: 'string', examples: ['component:default/my-service'] },
        catalogInfoUrl: { type: 'string', examples: ['http://localhost:7007/api/git/repositories/default/my-service/file?ref=main&path=catalog-info.yaml'] },
      },
    },
  },
  async handler(context) {
    const { input, services, principal } = context;
    const catalogInfoUrl = input.catalogInfoUrl ?? (input.repoContentsUrl ? `${input.repoContentsUrl}${(input.catalogInfoPath ?? '/catalog-info.yaml').replace(/^\//, '')}` : undefined);
    if (!catalogInfoUrl) throw new Error('catalog:register needs input.catalogInfoUrl, or input.repoContentsUrl (and catalogInfoPath)');
    context.output('catalogInfoUrl', catalogInfoUrl);
    try {
      const embedded = embeddedFile(new URL(catalogInfoUrl), services);
      let refs: string[];
      if (embedded) {
        // Paved's own repositories are read directly; the entities are stored as if pushed by the user.
        const text = (await services.git.file(embedded.namespace, embedded.name, embedded.ref, embedded.path)).toString('utf8');
        refs = (await services.entities.apply(principal, text)).map((applied) => applied.entityRef);
      } else {
        const location = { type: 'url' as const, target: catalogInfoUrl };
        await services.locations.add(principal, location, { dryRun: false });
        // As Backstage does: a dry run of the same location says which entities it holds.
        refs = (await services.locations.add(principal, location, { dryRun: true })).entities.map((entity) => stringifyEntityRef(entity));
      }
      await context.log(`Registered ${refs.join(', ') || 'no entities'} from ${catalogInfoUrl}`);
      const main = refs.find((ref) => !ref.startsWith('location:')) ?? refs[0];
      if (main) context.output('entityRef', main);
    } catch (error) {
      if (!input.optional) throw error;
      await context.log(`Could not register ${catalogInfoUrl}, carrying on (optional): ${(error as Error).message}`, 'warn');
    }
  },
});
