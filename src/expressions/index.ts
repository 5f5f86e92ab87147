/**
 * User expressions: templates (`${{ }}` in step inputs, template files, provisioner files),
 * rendered by workers with a deadline (render-pool.ts), and pipeline conditions, parsed in a
 * grammar of their own (condition.ts).
 */
export { type TemplateRenderer, type RenderLimits, DEFAULT_RENDER_LIMITS, RenderError, createTemplateRenderer } from './render-pool.js';
export type { FileToRender, RenderedFile, ValueToRender } from './render-protocol.js';
export { type ConditionFacts, ConditionSyntaxError, conditionHolds, parseCondition } from './condition.js';
export { type RepoUrlParts, parseRepoUrl } from './filters.js';
