import { ExpressionError } from './expression-error';
import { FORBIDDEN_PROPERTIES, JUEL_METHODS } from './juel-methods';
import type { ExpressionLimits } from './limits';
import type { Operator, Punctuation, Token } from './tokenize';
import { tokenize } from './tokenize';

/** A node of a parsed JUEL expression. `pos` is an offset into the whole expression text. */
export type JuelNode =
  | { type: 'literal'; pos: number; value: string | number | boolean | null }
  | { type: 'identifier'; pos: number; name: string }
  | { type: 'member'; pos: number; object: JuelNode; name: string }
  | { type: 'index'; pos: number; object: JuelNode; index: JuelNode }
  | { type: 'method'; pos: number; object: JuelNode; name: string; args: JuelNode[] }
  | { type: 'service'; pos: number; name: string; args: JuelNode[] }
  | { type: 'unary'; pos: number; op: '!' | '-' | 'empty'; operand: JuelNode }
  | { type: 'binary'; pos: number; op: BinaryOperator; left: JuelNode; right: JuelNode }
  | { type: 'logical'; pos: number; op: '&&' | '||'; left: JuelNode; right: JuelNode }
  | { type: 'conditional'; pos: number; test: JuelNode; consequent: JuelNode; alternate: JuelNode };

export type BinaryOperator = '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/' | '%';

/** A parsed `${…}` body and the offset just after its closing `}`. */
export type ParsedJuel = { node: JuelNode; end: number };

const LEVELS: ReadonlyArray<ReadonlyArray<Operator>> = [
  ['==', '!='],
  ['<', '>', '<=', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

/**
 * Parses the JUEL body that starts at `start` (just after `${`) and ends at its `}`.
 * Calls are resolved here: a call is either an allow-listed method or `environment.services.<name>(…)`.
 * @throws {ExpressionError} `syntax` for malformed input, `forbidden` for `constructor`, `__proto__`,
 * `prototype` and the like, `unknown_function` for any other call, `limit` past `limits.maxDepth`.
 */
export function parseJuel(source: string, start: number, limits: ExpressionLimits): ParsedJuel {
  const parser = new Parser(source, tokenize(source, start), limits);
  const node = parser.parseBody();
  return { node, end: parser.closePos + 1 };
}

class Parser {
  private index = 0;
  private recursion = 0;
  private readonly heights = new WeakMap<JuelNode, number>();

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly limits: ExpressionLimits,
  ) {}

  get closePos(): number {
    return this.tokens[this.tokens.length - 1].pos;
  }

  parseBody(): JuelNode {
    if (this.peek().type === 'close') this.fail(this.peek().pos, 'empty expression');
    const node = this.parseConditional();
    const next = this.peek();
    if (next.type !== 'close') this.fail(next.pos, `unexpected ${describe(next)}`);
    return node;
  }

  private parseConditional(): JuelNode {
    const test = this.parseLogical('||');
    const question = this.peek();
    if (!isPunctuation(question, '?')) return test;
    this.index++;
    this.enter(question.pos);
    const consequent = this.parseConditional();
    this.expectPunctuation(':', 'in a conditional (a ? b : c)');
    const alternate = this.parseConditional();
    this.recursion--;
    return this.make({ type: 'conditional', pos: question.pos, test, consequent, alternate }, test, consequent, alternate);
  }

  private parseLogical(op: '&&' | '||'): JuelNode {
    const operand = (): JuelNode => (op === '||' ? this.parseLogical('&&') : this.parseBinary(0));
    let left = operand();
    for (let token = this.peek(); isOperator(token, op); token = this.peek()) {
      this.index++;
      const right = operand();
      left = this.make({ type: 'logical', pos: token.pos, op, left, right }, left, right);
    }
    return left;
  }

  private parseBinary(level: number): JuelNode {
    if (level === LEVELS.length) return this.parseUnary();
    const operators = LEVELS[level];
    let left = this.parseBinary(level + 1);
    for (let token = this.peek(); token.type === 'operator' && operators.includes(token.value); token = this.peek()) {
      this.index++;
      const right = this.parseBinary(level + 1);
      left = this.make({ type: 'binary', pos: token.pos, op: token.value as BinaryOperator, left, right }, left, right);
    }
    return left;
  }

  private parseUnary(): JuelNode {
    const token = this.peek();
    if (token.type === 'operator' && (token.value === '!' || token.value === '-' || token.value === 'empty')) {
      this.index++;
      this.enter(token.pos);
      const operand = this.parseUnary();
      this.recursion--;
      return this.make({ type: 'unary', pos: token.pos, op: token.value, operand }, operand);
    }
    return this.parsePostfix();
  }

  private parsePostfix(): JuelNode {
    let node = this.parsePrimary();
    for (;;) {
      const token = this.peek();
      if (isPunctuation(token, '.')) {
        this.index++;
        const nameToken = this.next();
        // Reserved words are fine as property names after a dot (content.empty, a.div).
        if (nameToken.type !== 'identifier' && nameToken.type !== 'operator' && nameToken.type !== 'literal') {
          this.fail(nameToken.pos, `expected a property name after "." but found ${describe(nameToken)}`);
        }
        if (!/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(nameToken.text)) this.fail(nameToken.pos, `expected a property name after "."`);
        node = this.memberOrCall(node, nameToken.text, nameToken.pos);
      } else if (isPunctuation(token, '[')) {
        this.index++;
        this.enter(token.pos);
        const index = this.parseConditional();
        this.expectPunctuation(']', 'to close "["');
        this.recursion--;
        if (index.type === 'literal' && typeof index.value === 'string' && isPunctuation(this.peek(), '(')) {
          node = this.memberOrCall(node, index.value, index.pos);
        } else {
          if (index.type === 'literal' && typeof index.value === 'string') this.refuseForbidden(index.value, index.pos);
          node = this.make({ type: 'index', pos: token.pos, object: node, index }, node, index);
        }
      } else if (isPunctuation(token, '(')) {
        this.fail(token.pos, 'only allow-listed methods and environment.services.<name>(…) can be called', 'unknown_function');
      } else {
        return node;
      }
    }
  }

  private memberOrCall(object: JuelNode, name: string, pos: number): JuelNode {
    this.refuseForbidden(name, pos);
    if (!isPunctuation(this.peek(), '(')) return this.make({ type: 'member', pos, object, name }, object);
    const args = this.parseArguments();
    if (isServices(object)) return this.make({ type: 'service', pos, name, args }, ...args);
    if (!Object.hasOwn(JUEL_METHODS, name)) {
      this.fail(pos, `unknown method ${name}(); allowed: ${Object.keys(JUEL_METHODS).map((m) => `${m}()`).join(', ')} and environment.services.<name>(…)`, 'unknown_function');
    }
    const { min, max } = JUEL_METHODS[name];
    if (args.length < min || args.length > max) {
      this.fail(pos, `${name}() takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, not ${args.length}`);
    }
    return this.make({ type: 'method', pos, object, name, args }, object, ...args);
  }

  private parseArguments(): JuelNode[] {
    const open = this.next();
    this.enter(open.pos);
    const args: JuelNode[] = [];
    if (isPunctuation(this.peek(), ')')) {
      this.index++;
    } else {
      for (;;) {
        args.push(this.parseConditional());
        const token = this.next();
        if (isPunctuation(token, ')')) break;
        if (!isPunctuation(token, ',')) this.fail(token.pos, `expected "," or ")" in the argument list but found ${describe(token)}`);
      }
    }
    this.recursion--;
    return args;
  }

  private parsePrimary(): JuelNode {
    const token = this.next();
    switch (token.type) {
      case 'number':
      case 'string':
      case 'literal':
        return this.make({ type: 'literal', pos: token.pos, value: token.value });
      case 'identifier':
        this.refuseForbidden(token.value, token.pos);
        if (isPunctuation(this.peek(), '(')) {
          this.fail(token.pos, `unknown function ${token.value}(); functions are not supported, only allow-listed methods and environment.services.<name>(…)`, 'unknown_function');
        }
        return this.make({ type: 'identifier', pos: token.pos, name: token.value });
      case 'punctuation':
        if (token.value === '(') {
          this.enter(token.pos);
          const inner = this.parseConditional();
          this.expectPunctuation(')', 'to close "("');
          this.recursion--;
          return inner;
        }
        break;
      default:
        break;
    }
    return this.fail(token.pos, `expected a value but found ${describe(token)}`);
  }

  private make<T extends JuelNode>(node: T, ...children: JuelNode[]): T {
    let height = 1;
    for (const child of children) height = Math.max(height, (this.heights.get(child) ?? 1) + 1);
    if (height > this.limits.maxDepth) this.tooDeep(node.pos);
    this.heights.set(node, height);
    return node;
  }

  private enter(pos: number): void {
    if (++this.recursion > this.limits.maxDepth) this.tooDeep(pos);
  }

  private tooDeep(pos: number): never {
    throw new ExpressionError(this.source, pos, `expression nests deeper than ${this.limits.maxDepth} levels`, 'limit');
  }

  private refuseForbidden(name: string, pos: number): void {
    if (FORBIDDEN_PROPERTIES.has(name)) throw new ExpressionError(this.source, pos, `access to ${name} is not allowed`, 'forbidden');
  }

  private expectPunctuation(value: Punctuation, context: string): void {
    const token = this.next();
    if (!isPunctuation(token, value)) this.fail(token.pos, `expected "${value}" ${context} but found ${describe(token)}`);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    // The last token is always the closing brace: never step past it.
    if (token.type !== 'close') this.index++;
    return token;
  }

  private fail(pos: number, reason: string, kind: 'syntax' | 'unknown_function' = 'syntax'): never {
    throw new ExpressionError(this.source, pos, reason, kind);
  }
}

function isPunctuation(token: Token, value: Punctuation): boolean {
  return token.type === 'punctuation' && token.value === value;
}

function isOperator(token: Token, value: Operator): boolean {
  return token.type === 'operator' && token.value === value;
}

function isServices(node: JuelNode): boolean {
  return node.type === 'member' && node.name === 'services' && node.object.type === 'identifier' && node.object.name === 'environment';
}

function describe(token: Token): string {
  return token.type === 'close' ? 'the end of the expression' : `"${token.text}"`;
}
