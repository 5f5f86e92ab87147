import type nunjucks from 'nunjucks';
import { createSecureEnvironment } from './secure-nunjucks.js';

const SINGLE_EXPRESSION = /^\s*\$\{\{((?:(?!\}\}).)*)\}\}\s*$/s;

/**
 * Renders step inputs, Backstage's way: strings are templates; a string that is exactly one
 * `${{ expr }}` keeps the expression's type (a number stays a number, an object an object);
 * a string that renders empty becomes undefined. Objects and arrays are rendered deeply.
 */
export class InputRenderer<Context extends object = object> {
  private readonly environment: nunjucks.Environment;
  private captured: unknown;

  constructor() {
    // The side channel is how a single expression hands back a typed value rather than text.
    this.environment = createSecureEnvironment({
      extraFilters: {
        __capture: ((value: unknown) => {
          this.captured = value;
          return '';
        }) as (...args: never[]) => unknown,
      },
    });
  }

  render(value: unknown, context: Context): unknown {
    if (typeof value === 'string') return this.renderString(value, context);
    if (Array.isArray(value)) return value.map((item) => this.render(item, context));
    if (value !== null && typeof value === 'object') {
      const rendered: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const result = this.render(item, context);
        if (result !== undefined) rendered[key] = result;
      }
      return rendered;
    }
    return value;
  }

  /** Evaluates one expression (as in `if:` and `each:`), with or without its `${{ }}`. */
  evaluate(expression: unknown, context: Context): unknown {
    if (typeof expression !== 'string') return expression;
    const match = SINGLE_EXPRESSION.exec(expression);
    return this.capture(match ? match[1]! : expression, context);
  }

  private renderString(template: string, context: Context): unknown {
    if (!template.includes('${{') && !template.includes('{%')) return template;
    const match = SINGLE_EXPRESSION.exec(template);
    if (match) {
      const value = this.capture(match[1]!, context);
      return value === '' || value === null ? undefined : value;
    }
    const text = this.environment.renderString(template, context);
    return text === '' ? undefined : text;
  }

  private capture(expression: string, context: Context): unknown {
    this.captured = undefined;
    this.environment.renderString(`\${{ (${expression}) | __capture }}`, context);
    const value = this.captured;
    this.captured = undefined;
    // Only JSON leaves an expression: no functions, no host objects.
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value) ?? 'null') as unknown);
  }
}
