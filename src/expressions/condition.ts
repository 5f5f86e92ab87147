import { createSecureEnvironment } from './secure-nunjucks.js';

const environment = createSecureEnvironment();
const WRAPPED = /^\s*\$\{\{([\s\S]*)\}\}\s*$/;

/**
 * Whether a condition such as `${{ branch == 'main' and status == 'failure' }}` (the `${{ }}`
 * may be left out) holds over `context`: nunjucks' expression language, in the same locked-down
 * environment as templates. A malformed condition throws, naming it.
 */
export function conditionHolds(condition: string, context: Record<string, unknown>): boolean {
  const expression = WRAPPED.exec(condition)?.[1] ?? condition;
  try {
    return environment.renderString(`{% if ${expression} %}yes{% endif %}`, context) === 'yes';
  } catch (error) {
    throw new Error(`cannot evaluate the condition "${condition}": ${(error as Error).message.replace(/^\(unknown path\)\s*(\[Line \d+, Column \d+\])?\s*/, '')}`);
  }
}
