/**
 * Pipeline conditions (`if:` of jobs and steps) are expressions in a small grammar of their
 * own, never template text: `${{ branch == 'main' and event != 'schedule' }}`. Being parsed, not
 * spliced into a template, there is nothing to inject (`%}` is a syntax error at its column),
 * and evaluation is linear in the condition's length, so it needs no deadline.
 *
 *   condition  := or
 *   or         := and (("or" | "||") and)*
 *   and        := not (("and" | "&&") not)*
 *   not        := ("not" | "!") not | comparison
 *   comparison := operand (("==" | "!=") operand)?
 *   operand    := 'text' | "text" | true | false | variable | function "()" | "(" or ")"
 */

/** What a condition can see: the run's facts; `status` is `success` or `failure` (steps). */
export interface ConditionFacts {
  branch: string;
  event: string;
  commit: string;
  status: 'success' | 'failure';
}

const CONDITION_VARIABLES = ['branch', 'event', 'commit', 'status'] as const;
type ConditionVariable = (typeof CONDITION_VARIABLES)[number];
const FUNCTIONS: Record<string, (facts: ConditionFacts) => boolean> = {
  success: (facts) => facts.status === 'success',
  failure: (facts) => facts.status === 'failure',
  always: () => true,
};
const MAX_LENGTH = 1_000;
const MAX_DEPTH = 32;

type Node =
  | { type: 'literal'; value: string | boolean }
  | { type: 'variable'; name: ConditionVariable }
  | { type: 'call'; name: string }
  | { type: 'not'; operand: Node }
  | { type: 'compare'; operator: '==' | '!='; left: Node; right: Node }
  | { type: 'logical'; operator: 'and' | 'or'; left: Node; right: Node };

/** A condition that is not in the grammar: what is wrong and at which column (1-based) of it. */
export class ConditionSyntaxError extends Error {
  override readonly name = 'ConditionSyntaxError';
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
  }
}

type Token = { kind: 'string'; value: string; at: number } | { kind: 'word'; value: string; at: number } | { kind: 'symbol'; value: string; at: number } | { kind: 'end'; at: number };

const WRAPPED = /^(\s*)\$\{\{([\s\S]*)\}\}\s*$/;
const SYMBOLS = ['==', '!=', '&&', '||', '!', '(', ')'];
/** Named whole in errors: they are what an injection attempt looks like. */
const TEMPLATE_DELIMITERS = ['%}', '{%', '{{', '}}', '{#', '#}'];

function tokenize(text: string, offset: number): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    const at = offset + index + 1;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "'" || char === '"') {
      const end = text.indexOf(char, index + 1);
      if (end < 0) throw new ConditionSyntaxError(`the text started here has no closing ${char}`, at);
      tokens.push({ kind: 'string', value: text.slice(index + 1, end), at });
      index = end + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(index))![0];
      tokens.push({ kind: 'word', value: word, at });
      index += word.length;
    } else {
      const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, index));
      if (!symbol) {
        const pair = text.slice(index, index + 2);
        throw new ConditionSyntaxError(`unexpected "${TEMPLATE_DELIMITERS.includes(pair) ? pair : char}"`, at);
      }
      tokens.push({ kind: 'symbol', value: symbol, at });
      index += symbol.length;
    }
  }
  tokens.push({ kind: 'end', at: offset + text.length + 1 });
  return tokens;
}

/** Parses a condition, with or without its `${{ }}`; throws ConditionSyntaxError. */
export function parseCondition(condition: string): Node {
  if (condition.length > MAX_LENGTH) throw new ConditionSyntaxError(`a condition is at most ${MAX_LENGTH} characters`, MAX_LENGTH + 1);
  const wrapped = WRAPPED.exec(condition);
  const text = wrapped ? wrapped[2]! : condition;
  const tokens = tokenize(text, wrapped ? wrapped[1]!.length + 3 : 0);
  let position = 0;
  const peek = () => tokens[position]!;
  const isWord = (token: Token, ...words: string[]) => token.kind === 'word' && words.includes(token.value);
  const isSymbol = (token: Token, ...symbols: string[]) => token.kind === 'symbol' && symbols.includes(token.value);
  const describe = (token: Token) => (token.kind === 'end' ? 'the end of the condition' : token.kind === 'string' ? `'${token.value}'` : `"${token.value}"`);

  const parseOr = (depth: number): Node => {
    if (depth > MAX_DEPTH) throw new ConditionSyntaxError(`conditions nest at most ${MAX_DEPTH} deep`, peek().at);
    let left = parseAnd(depth);
    while (isWord(peek(), 'or') || isSymbol(peek(), '||')) {
      position += 1;
      left = { type: 'logical', operator: 'or', left, right: parseAnd(depth) };
    }
    return left;
  };
  const parseAnd = (depth: number): Node => {
    let left = parseNot(depth);
    while (isWord(peek(), 'and') || isSymbol(peek(), '&&')) {
      position += 1;
      left = { type: 'logical', operator: 'and', left, right: parseNot(depth) };
    }
    return left;
  };
  const parseNot = (depth: number): Node => {
    if (isWord(peek(), 'not') || isSymbol(peek(), '!')) {
      position += 1;
      if (depth > MAX_DEPTH) throw new ConditionSyntaxError(`conditions nest at most ${MAX_DEPTH} deep`, peek().at);
      return { type: 'not', operand: parseNot(depth + 1) };
    }
    const left = parseOperand(depth);
    const next = peek();
    if (isSymbol(next, '==', '!=')) {
      position += 1;
      return { type: 'compare', operator: (next as { value: '==' | '!=' }).value, left, right: parseOperand(depth) };
    }
    return left;
  };
  const parseOperand = (depth: number): Node => {
    const token = peek();
    position += 1;
    if (token.kind === 'string') return { type: 'literal', value: token.value };
    if (isSymbol(token, '(')) {
      const inner = parseOr(depth + 1);
      if (!isSymbol(peek(), ')')) throw new ConditionSyntaxError(`expected ) but found ${describe(peek())}`, peek().at);
      position += 1;
      return inner;
    }
    if (token.kind === 'word') {
      if (token.value === 'true' || token.value === 'false') return { type: 'literal', value: token.value === 'true' };
      if ((CONDITION_VARIABLES as readonly string[]).includes(token.value)) return { type: 'variable', name: token.value as ConditionVariable };
      if (token.value in FUNCTIONS) {
        if (!isSymbol(peek(), '(') || !isSymbol(tokens[position + 1]!, ')')) throw new ConditionSyntaxError(`${token.value} is called as ${token.value}()`, peek().at);
        position += 2;
        return { type: 'call', name: token.value };
      }
      throw new ConditionSyntaxError(
        `unknown name "${token.value}"; a condition can use ${CONDITION_VARIABLES.join(', ')}, ${Object.keys(FUNCTIONS).map((name) => `${name}()`).join(', ')}, 'text', ==, !=, and, or, not and parentheses`,
        token.at,
      );
    }
    throw new ConditionSyntaxError(`expected a value but found ${describe(token)}`, token.at);
  };

  const tree = parseOr(0);
  if (peek().kind !== 'end') throw new ConditionSyntaxError(`unexpected ${describe(peek())}`, peek().at);
  return tree;
}

function evaluate(node: Node, facts: ConditionFacts): string | boolean {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'variable':
      return facts[node.name];
    case 'call':
      return FUNCTIONS[node.name]!(facts);
    case 'not':
      return !evaluate(node.operand, facts);
    case 'compare':
      return (evaluate(node.left, facts) === evaluate(node.right, facts)) === (node.operator === '==');
    case 'logical': {
      const left = Boolean(evaluate(node.left, facts));
      return node.operator === 'and' ? left && Boolean(evaluate(node.right, facts)) : left || Boolean(evaluate(node.right, facts));
    }
  }
}

/**
 * Whether a condition holds over a run's facts. A condition that does not parse throws, naming
 * it and the column (pipeline files are checked when pushed, so this is for stored runs).
 */
export function conditionHolds(condition: string, facts: ConditionFacts): boolean {
  let tree: Node;
  try {
    tree = parseCondition(condition);
  } catch (error) {
    throw new Error(`cannot evaluate the condition "${condition}": ${(error as Error).message}`);
  }
  return Boolean(evaluate(tree, facts));
}
