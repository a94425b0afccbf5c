import fc from 'fast-check';
import { DEFAULT_LIMITS, ExpressionError } from '../../../server/expressions';
import { errorOf, evaluate, expressions, prepareExpressions } from './evaluate-helper';

/** Runs `fn`, expecting an ExpressionError within `ms` milliseconds. */
function failsQuickly(fn: () => unknown, ms = 500): ExpressionError {
  const started = performance.now();
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(performance.now() - started).toBeLessThan(ms);
  expect(error).toBeInstanceOf(ExpressionError);
  return error as ExpressionError;
}

describe('hostile expressions', () => {
  beforeAll(prepareExpressions);

  describe('forbidden access', () => {
    it.each([
      "${constructor.constructor('x')()}",
      '${constructor}',
      "${''.constructor}",
      '${a.constructor}',
      "${a['constructor']}",
      '${a["__proto__"]}',
      '${a.__proto__.polluted}',
      '${a.prototype}',
      '${environment.constructor}',
      '${environment.services.constructor}',
      '${environment.services.__proto__}',
      '${a.__defineGetter__}',
      '${a.__lookupGetter__}',
      "Hello ${a['constructor']['constructor']('return process')()}",
      "${environment.services['constructor']('x')}",
    ])('%s is refused when compiled', (text) => {
      // given a path towards a constructor or prototype
      // when it is compiled
      // then it is refused before any evaluation
      expect(() => expressions().compile(text)).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    });

    it('refuses forbidden names computed at run time', () => {
      // given keys that only become forbidden names when evaluated
      const variables = { a: {}, k: '__proto__', c: 'constructor', p: 'prototype' };
      // when used as computed property names
      // then evaluation refuses them
      for (const text of ['${a[k]}', '${a[c]}', '${a[p]}', '${a[k].polluted}', '${a.get(c)}']) {
        expect(errorOf(text, variables).kind).toBe('forbidden');
      }
    });

    it('cannot pollute prototypes: the grammar has no assignment and JSON __proto__ keys stay unreadable', () => {
      // given a variable parsed from hostile JSON, with an own "__proto__" key
      const hostile = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
      const variables = { hostile, k: '__proto__' };
      // when expressions try every route to it
      for (const text of ['${hostile.__proto__}', '${hostile[k].polluted}', "${hostile['constructor'].prototype}"]) {
        expect(errorOf(text, variables).kind).toBe('forbidden');
      }
      expect(() => expressions().compile('${a.polluted = 1}')).toThrow(ExpressionError);
      // then nothing was polluted
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });

    it('does not reach Object.prototype members through a plain object', () => {
      const variables = { a: { x: 1 } };
      expect(evaluate('${a.toString}', variables)).toBeUndefined();
      expect(evaluate('${a.hasOwnProperty}', variables)).toBeUndefined();
      expect(evaluate('${a.valueOf}', variables)).toBeUndefined();
      expect(() => expressions().compile('${a.toString()}')).toThrow(expect.objectContaining({ kind: 'unknown_function' }));
      expect(errorOf('${environment.services.hasOwnProperty("x")}').kind).toBe('unknown_function');
    });

    it('keeps FEEL away from constructors too', () => {
      expect(evaluate('=a.constructor', { a: { x: 1 } })).toBeNull();
      expect(evaluate('=get value(a, "__proto__")', { a: { x: 1 } })).toBeNull();
      expect(errorOf('=a.constructor.constructor("return process")()', { a: {} }).kind).toBe('unknown_function');
    });
  });

  describe('nesting and length limits', () => {
    // Deep enough to overflow a naive recursive parser, short enough to pass the length limit.
    const deep = 1000;

    it.each([
      ['parentheses', '${' + '('.repeat(deep) + '1' + ')'.repeat(deep) + '}'],
      ['negations', '${' + '!'.repeat(deep) + 'true}'],
      ['minus signs', '${' + '- '.repeat(deep) + '1}'],
      ['empty operators', '${' + 'empty '.repeat(1000) + 'x}'],
      ['a long addition chain', '${' + Array(deep).fill('1').join(' + ') + '}'],
      ['a long and chain', '${' + Array(deep).fill('a').join(' && ') + '}'],
      ['a long property chain', '${' + Array(deep).fill('a').join('.') + '}'],
      ['nested brackets', '${' + 'a['.repeat(deep) + '0' + ']'.repeat(deep) + '}'],
      ['nested ternaries', '${' + 'a ? '.repeat(deep) + '1' + ' : 2'.repeat(deep) + '}'],
      ['nested method calls', '${' + 'a.contains('.repeat(deep) + '1' + ')'.repeat(deep) + '}'],
      ['FEEL parentheses', '=' + '('.repeat(deep) + '1' + ')'.repeat(deep)],
      ['FEEL lists', '=' + '['.repeat(deep) + ']'.repeat(deep)],
    ])('refuses %s nested past the limit, quickly and without a stack overflow', (_name, text) => {
      expect(text.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxLength);
      const error = failsQuickly(() => evaluate(text, { a: true }));
      expect(error.kind).toBe('limit');
    });

    it('accepts nesting up to the limit', () => {
      const depth = 40;
      expect(evaluate('${' + '('.repeat(depth) + '1' + ')'.repeat(depth) + '}')).toBe(1);
      expect(evaluate('${' + Array(50).fill('1').join(' + ') + '}')).toBe(50);
      expect(evaluate('=' + '('.repeat(depth) + '1' + ')'.repeat(depth))).toBe(1);
    });

    it('refuses text longer than the limit before parsing it', () => {
      // given a very long text (1 MB)
      const long = '${' + 'a'.repeat(1_000_000) + '}';
      // when it is evaluated
      const error = failsQuickly(() => evaluate(long), 200);
      // then it is refused as too long, and the message does not carry the megabyte
      expect(error).toMatchObject({ kind: 'limit', position: DEFAULT_LIMITS.maxLength });
      expect(error.message.length).toBeLessThan(400);
      expect(failsQuickly(() => evaluate('=' + '1 + '.repeat(300_000) + '1')).kind).toBe('limit');
    });

    it('handles a template with thousands of parts within the length limit', () => {
      const text = 'x${a}'.repeat(Math.floor(DEFAULT_LIMITS.maxLength / 5));
      const started = performance.now();
      expect(evaluate(text, { a: 1 })).toBe('x1'.repeat(Math.floor(DEFAULT_LIMITS.maxLength / 5)));
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('bounds deep or cyclic data in == comparisons', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const other: Record<string, unknown> = {};
      other.self = other;
      expect(failsQuickly(() => evaluate('${a == b}', { a: cyclic, b: other })).kind).toBe('limit');
    });

    it('refuses cyclic data in FEEL instead of looping', () => {
      const cyclic: Record<string, unknown> = { n: 1 };
      cyclic.self = cyclic;
      expect(failsQuickly(() => evaluate('=a.n', { a: cyclic })).kind).toBe('limit');
    });
  });

  describe('FEEL loops and recursion', () => {
    it.each([
      ['a huge literal range', '=count(for i in 1..100000000 return i)', 'limit'],
      ['a huge interval', '=for i in [1..100000000] return i', 'limit'],
      ['a range with a variable bound', '=for i in 1..n return i', 'limit'],
      ['a quantifier over a huge range', '=some i in 0..999999999 satisfies i < 0', 'limit'],
      ['three nested iterations', '=for a in l, b in l, c in l return 1', 'limit'],
      ['nested for expressions', '=for a in l return for b in l return for c in l return 1', 'limit'],
      ['a recursive function', '={f: function(n) f(n)}.f(1)', 'forbidden'],
      ['an exponential function', '={f: function(n) if n > 0 then f(n - 1) + f(n - 1) else 1}.f(40)', 'forbidden'],
    ])('refuses %s before running it', (_name, text, kind) => {
      const error = failsQuickly(() => evaluate(text, { n: 1e9, l: [1, 2] }));
      expect(error.kind).toBe(kind);
    });

    it('allows small literal ranges and two iteration contexts over data', () => {
      expect(evaluate('=count(for i in 1..10000 return i)')).toBe(10000);
      expect(evaluate('=for a in l, b in l return a * b', { l: [1, 2] })).toEqual([1, 2, 2, 4]);
    });
  });

  describe('arbitrary input', () => {
    const alphabet = fc.constantFrom(
      'a', 'b', '.', '[', ']', '(', ')', '"', "'", '\\', ' ', '1', '0', '-', '+', '*', '/', '%', '!', '?', ':', ',', '<', '>', '=', '&', '|',
      '{', '}', '$', 'empty', 'and', 'not', 'size', 'contains', 'constructor', '__proto__', 'environment', 'services', 'null', 'true', 'e',
    );

    it('never throws anything but ExpressionError, for any text inside ${…}', () => {
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
          const text = '${' + parts.join('') + '}';
          try {
            evaluate(text, { a: { b: [1, 'x'] }, b: 'text' }, { services: { fn: () => 1 } });
          } catch (err) {
            if (!(err instanceof ExpressionError)) throw err;
          }
        }),
        { numRuns: 3000 },
      );
    });

    it('never throws anything but ExpressionError, for any FEEL text', () => {
      const feelAlphabet = fc.constantFrom('a', 'b', '.', '[', ']', '(', ')', '"', ' ', '1', '..', '-', '+', '*', '/', '>', '=', ',', '{', '}', ':', 'for', 'in', 'return', 'some', 'satisfies', 'if', 'then', 'else', 'function', 'null', 'count');
      fc.assert(
        fc.property(fc.array(feelAlphabet, { maxLength: 25 }), (parts) => {
          try {
            evaluate('=' + parts.join(' '), { a: [1, 2], b: { c: 1 } });
          } catch (err) {
            if (!(err instanceof ExpressionError)) throw err;
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
