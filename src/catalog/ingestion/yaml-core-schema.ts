import { FAILSAFE_SCHEMA, Type } from 'js-yaml';

const scalar = (name: string, pattern: RegExp, construct: (text: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${name}`, { kind: 'scalar', resolve: (text: string) => pattern.test(text), construct });

/**
 * The YAML 1.2 core schema exactly as the `yaml` package (and so Backstage) resolves plain
 * scalars, for js-yaml. js-yaml's own CORE_SCHEMA differs at the edges (`0b101` is a number there,
 * `+.5` a string), and a descriptor must mean the same thing whichever parser read it.
 */
export const coreSchema = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', /^(?:~|null|Null|NULL)?$/, () => null),
    scalar('bool', /^(?:true|True|TRUE|false|False|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'),
    scalar('int', /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/, (text) =>
      text[1] === 'o' ? parseInt(text.slice(2), 8) : text[1] === 'x' ? parseInt(text.slice(2), 16) : parseInt(text, 10),
    ),
    scalar(
      'float',
      /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
      (text) => {
        if (/inf$/i.test(text)) return text[0] === '-' ? -Infinity : Infinity;
        return /nan$/i.test(text) ? NaN : parseFloat(text);
      },
    ),
  ],
});
