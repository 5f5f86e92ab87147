import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../config.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/, 'letters, digits and -, as Score resource types and classes are');

/**
 * A provisioner, as the platform team writes it (in the spirit of score-k8s provisioner files):
 * which resources it serves, what it creates through a driver, and the outputs a workload reads.
 * Strings are `${{ }}` templates over `resource`, `params`, `workload`, `environment`,
 * `created` (the driver's outputs) and `router`.
 */
export const provisionerSchema = z
  .object({
    apiVersion: z.literal('paved.dev/v1'),
    kind: z.literal('Provisioner'),
    metadata: z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -'), description: z.string().optional() }).strict(),
    spec: z
      .object({
        type: name,
        /** Serves only this class; without it, every class of the type. */
        class: name.optional(),
        /** Serves only the shared resource with this id. */
        id: z.string().min(2).optional(),
        /** Runtimes it works for; without it, all. */
        runtimes: z.array(z.enum(['local', 'kubernetes'])).min(1).optional(),
        /** Defaults for the resource's params. */
        params: z.record(z.string(), z.unknown()).optional(),
        /** What to create, through one of Paved's drivers; a provisioner without it only computes outputs. */
        create: z.object({ driver: z.enum(['postgres', 'redis', 'directory', 'port']), params: z.record(z.string(), z.unknown()).optional() }).strict().optional(),
        /** The outputs; without it, the driver's outputs as they are. */
        outputs: z.record(z.string(), z.unknown()).optional(),
        /** Outputs that are secrets (besides those the driver marks). */
        secretOutputs: z.array(z.string()).optional(),
        /** Kubernetes objects to deliver beside the workload's (kubernetes runtime). */
        manifests: z.array(z.record(z.string(), z.unknown())).optional(),
      })
      .strict(),
  })
  .strict();

export type ProvisionerFile = z.infer<typeof provisionerSchema>;

export interface Provisioner extends ProvisionerFile {
  /** Where it was read from, for errors and the API. */
  source: string;
}

/** Reads every `*.yaml` in the folders, in order; a bad file stops Paved with its file and line. */
export function loadProvisioners(folders: readonly string[]): Provisioner[] {
  const provisioners: Provisioner[] = [];
  const names = new Map<string, string>();
  for (const folder of folders) {
    if (!fs.existsSync(folder)) throw new ConfigError(`the provisioners folder ${folder} does not exist`);
    for (const file of fs.readdirSync(folder).filter((entry) => /\.ya?ml$/.test(entry)).sort()) {
      const filePath = path.join(folder, file);
      for (const provisioner of parseProvisionerFile(fs.readFileSync(filePath, 'utf8'), filePath)) {
        const earlier = names.get(provisioner.metadata.name);
        if (earlier) throw new ConfigError(`provisioner ${provisioner.metadata.name} in ${filePath} is also defined in ${earlier}`);
        names.set(provisioner.metadata.name, filePath);
        provisioners.push(provisioner);
      }
    }
  }
  return provisioners;
}

export function parseProvisionerFile(text: string, source: string): Provisioner[] {
  return parseAllDocuments(text, { prettyErrors: true }).flatMap((document, index) => {
    if (document.errors.length > 0) {
      const [error] = document.errors;
      throw new ConfigError(`${source}:${error!.linePos?.[0]?.line ?? '?'}: ${error!.message.split('\n')[0]}`);
    }
    const value: unknown = document.toJS({ maxAliasCount: 50 });
    if (value === null) return [];
    const result = provisionerSchema.safeParse(value);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new ConfigError(`${source}, document ${index + 1}: ${problems.join('; ')}`);
    }
    return [{ ...result.data, source }];
  });
}

/**
 * The provisioner for a resource: the first that serves its type, class and id and the
 * environment's runtime. Platform folders come first, so a platform team overrides a built-in
 * by serving the same type.
 */
export function findProvisioner(provisioners: readonly Provisioner[], resource: { type: string; class: string; id?: string }, runtime: 'local' | 'kubernetes'): Provisioner | undefined {
  return provisioners.find(
    ({ spec }) =>
      spec.type === resource.type &&
      (spec.class === undefined || spec.class === resource.class) &&
      (spec.id === undefined || spec.id === resource.id) &&
      (spec.runtimes === undefined || spec.runtimes.includes(runtime)),
  );
}
