import type { Principal } from '../../access/principal.js';
import type { Config } from '../../config.js';
import type { EntityService, LocationService } from '../../catalog/index.js';
import type { TemplateRenderer } from '../../expressions/index.js';
import type { GitService } from '../../git/index.js';
import type { TemplateFiles } from '../workspace/template-files.js';
import type { Workspace } from '../workspace/workspace.js';

/** A JSON Schema (draft 7), as Backstage's actions publish theirs. */
export type JsonSchema = Record<string, unknown>;

export interface ActionServices {
  git: GitService;
  entities: EntityService;
  locations: LocationService;
  /** Paved's public URL, for the links actions hand back (known once the server listens). */
  baseUrl(): string;
  /** Tokens for external git hosts, from the configuration. */
  integrations: Config['integrations'];
  /** Renders template text off the server's thread, with a deadline: the only way actions render. */
  renderer: TemplateRenderer;
}

export interface ActionContext<Input> {
  input: Input;
  stepId: string;
  workspace: Workspace;
  /** The files that come with the template, where its relative `url`s (`./skeleton`) point. */
  templateFiles: TemplateFiles;
  /** The user running the template, as they were when they started it. */
  principal: Principal;
  templateRef: string;
  secrets: Readonly<Record<string, string>>;
  signal: AbortSignal;
  isDryRun: boolean;
  services: ActionServices;
  /** Goes to the task's log, with every secret value redacted. */
  log(message: string, level?: 'info' | 'warn'): Promise<void>;
  output(name: string, value: unknown): void;
}

/**
 * One built-in action: its id, the JSON Schemas of its input and output (checked before it
 * runs and listed at `/v2/actions`), and what it does. Adding an action is adding one such file
 * and naming it in `builtin-actions.ts`.
 */
export interface ScaffolderAction<Input = Record<string, unknown>> {
  id: string;
  description: string;
  schema: { input: JsonSchema; output?: JsonSchema };
  examples?: { description: string; example: string }[];
  /** Whether a dry-run runs it; the others are skipped, their outputs filled from examples. */
  supportsDryRun: boolean;
  handler(context: ActionContext<Input>): Promise<void>;
}

/** Lets each action file keep its precise input type while the registry holds them all. */
export function defineAction<Input>(action: ScaffolderAction<Input>): ScaffolderAction {
  return action as unknown as ScaffolderAction;
}
