import { ExpressionError } from './expression-error';

/** Operators after aliasing: `and` is `&&`, `div` is `/`, `eq` is `==`, and so on. */
export type Operator =
  | '&&' | '||' | '!' | 'empty'
  | '==' | '!=' | '<' | '>' | '<=' | '>='
  | '+' | '-' | '*' | '/' | '%';

export type Punctuation = '.' | '[' | ']' | '(' | ')' | ',' | '?' | ':';

/** One token of a JUEL expression; `pos` is an offset into the whole expression text. */
export type Token =
  | { type: 'number'; value: number; pos: number; text: string }
  | { type: 'string'; value: string; pos: number; text: string }
  | { type: 'literal'; value: boolean | null; pos: number; text: string }
  | { type: 'identifier'; value: string; pos: number; text: string }
  | { type: 'operator'; value: Operator; pos: number; text: string }
  | { type: 'punctuation'; value: Punctuation; pos: number; text: string }
  | { type: 'close'; pos: number; text: '}' };

const WORD_OPERATORS: Readonly<Record<string, Operator>> = {
  and: '&&', or: '||', not: '!', empty: 'empty',
  eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=',
  div: '/', mod: '%',
};

const WORD_LITERALS: Readonly<Record<string, boolean | null>> = { true: true, false: false, null: null };

const SYMBOL_OPERATORS: ReadonlyArray<[string, Operator]> = [
  ['&&', '&&'], ['||', '||'], ['==', '=='], ['!=', '!='], ['<=', '<='], ['>=', '>='],
  ['<', '<'], ['>', '>'], ['!', '!'], ['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['%', '%'],
];

const PUNCTUATION = new Set<string>(['.', '[', ']', '(', ')', ',', '?', ':']);

const NUMBER_PATTERN = /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER_START = /[\p{L}_$]/u;
const IDENTIFIER_PART = /[\p{L}\p{N}_$]/u;

/**
 * Reads the tokens of one `${…}` body, from `start` up to and including its closing `}`.
 * `source` is the whole expression text, so positions point into what the model author wrote.
 * @throws {ExpressionError} `syntax` on an unknown character, an unterminated string or a missing `}`.
 */
export function tokenize(source: string, start: number): Token[] {
  const tokens: Token[] = [];
  let pos = start;
  const fail = (at: number, reason: string): never => {
    throw new ExpressionError(source, at, reason, 'syntax');
  };

  while (pos < source.length) {
    const ch = source[pos];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      pos++;
      continue;
    }
    if (ch === '}') {
      tokens.push({ type: 'close', pos, text: '}' });
      return tokens;
    }
    if (ch === '"' || ch === "'") {
      const { value, end } = readString(source, pos, fail);
      tokens.push({ type: 'string', value, pos, text: source.slice(pos, end) });
      pos = end;
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(source[pos + 1]) && !endsValue(tokens[tokens.length - 1]))) {
      NUMBER_PATTERN.lastIndex = pos;
      const match = NUMBER_PATTERN.exec(source);
      // The pattern always matches here: the branch is taken only on a digit or ".digit".
      const text = match![0];
      const value = Number(text);
      if (!Number.isFinite(value)) fail(pos, `number ${text} is out of range`);
      if (IDENTIFIER_START.test(source[pos + text.length] ?? '')) fail(pos, `malformed number ${text}${source[pos + text.length]}`);
      tokens.push({ type: 'number', value, pos, text });
      pos += text.length;
      continue;
    }
    if (IDENTIFIER_START.test(ch)) {
      let end = pos + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end])) end++;
      const word = source.slice(pos, end);
      if (Object.hasOwn(WORD_OPERATORS, word)) tokens.push({ type: 'operator', value: WORD_OPERATORS[word], pos, text: word });
      else if (Object.hasOwn(WORD_LITERALS, word)) tokens.push({ type: 'literal', value: WORD_LITERALS[word], pos, text: word });
      else if (word === 'instanceof') fail(pos, 'instanceof is not supported');
      else tokens.push({ type: 'identifier', value: word, pos, text: word });
      pos = end;
      continue;
    }
    const symbol = SYMBOL_OPERATORS.find(([text]) => source.startsWith(text, pos));
    if (symbol) {
      tokens.push({ type: 'operator', value: symbol[1], pos, text: symbol[0] });
      pos += symbol[0].length;
      continue;
    }
    if (PUNCTUATION.has(ch)) {
      tokens.push({ type: 'punctuation', value: ch as Punctuation, pos, text: ch });
      pos++;
      continue;
    }
    if (ch === '=') fail(pos, 'assignment is not supported; compare with == or eq');
    if (ch === '&' || ch === '|') fail(pos, `use ${ch}${ch} (or ${ch === '&' ? 'and' : 'or'}) for a logical operator`);
    fail(pos, `unexpected character ${JSON.stringify(ch)}`);
  }
  return fail(source.length, 'missing } at the end of the expression');
}

function readString(source: string, start: number, fail: (at: number, reason: string) => never): { value: string; end: number } {
  const quote = source[start];
  let value = '';
  let pos = start + 1;
  while (pos < source.length) {
    const ch = source[pos];
    if (ch === quote) return { value, end: pos + 1 };
    if (ch === '\\') {
      const next = source[pos + 1];
      // JUEL unescapes only \\, \' and \"; any other backslash stays as written.
      if (next === '\\' || next === "'" || next === '"') {
        value += next;
        pos += 2;
        continue;
      }
    }
    value += ch;
    pos++;
  }
  return fail(start, 'unterminated string');
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function endsValue(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.type === 'punctuation') return token.value === ']' || token.value === ')';
  return token.type === 'identifier' || token.type === 'number' || token.type === 'string' || token.type === 'literal';
}
