import { Environment } from 'bpmn-elements';
import { compileExpression, createExpressions, ExpressionCache, ExpressionError } from '../../../server/expressions';
import { evaluate, expressions, prepareExpressions } from './evaluate-helper';

describe('the expressions object given to bpmn-engine', () => {
  beforeAll(prepareExpressions);

  describe('resolveExpression', () => {
    it.each([
      ['PT1M', 'PT1M'],
      ['plain text', 'plain text'],
      ['', ''],
      ['costs $5 {really}', 'costs $5 {really}'],
      ['R3/PT10H', 'R3/PT10H'],
    ])('returns text without expressions unchanged: %p', (text, expected) => {
      expect(evaluate(text, { a: 1 })).toBe(expected);
    });

    it('returns non-string input as it is', () => {
      const value = { a: 1 };
      expect(expressions().resolveExpression(value, {})).toBe(value);
      expect(expressions().resolveExpression(undefined, {})).toBeUndefined();
      expect(expressions().resolveExpression(42, {})).toBe(42);
    });

    it('gives the raw value of a single expression, whitespace around it ignored', () => {
      // given an expression text that is one ${…} with whitespace around it, as in a formatted condition
      const text = '\n      ${items}\n    ';
      // when it is resolved
      // then the list itself comes back, not a string
      expect(evaluate(text, { items: [1, 2] })).toEqual([1, 2]);
      expect(evaluate('${count}', { count: 0 })).toBe(0);
      expect(evaluate('${flag}', { flag: false })).toBe(false);
    });

    it('builds a string from a template, missing values becoming empty text', () => {
      const variables = { invoiceNumber: 'INV-7', amount: 12.5, ok: true, lines: [1, 2], meta: { a: 1 }, nothing: null, at: new Date('2024-01-01T00:00:00Z') };
      expect(evaluate('Invoice ${invoiceNumber} received', variables)).toBe('Invoice INV-7 received');
      expect(evaluate('${invoiceNumber}: ${amount} EUR, ok=${ok}', variables)).toBe('INV-7: 12.5 EUR, ok=true');
      expect(evaluate('[${nothing}] [${meta.missing}]', variables)).toBe('[] []');
      expect(evaluate('${lines} ${meta}', variables)).toBe('[1,2] {"a":1}');
      expect(evaluate('due ${at}', variables)).toBe('due 2024-01-01T00:00:00.000Z');
      expect(evaluate('${invoiceNumber}${amount}', variables)).toBe('INV-712.5');
    });

    it('keeps \\${ as literal text, as JUEL does', () => {
      expect(evaluate('price \\${notAnExpression} for ${amount}', { amount: 3 })).toBe('price ${notAnExpression} for 3');
      expect(evaluate('\\${x}', {})).toBe('${x}');
    });

    it('refuses a function in a template', () => {
      const error = (() => {
        try {
          evaluate('call ${environment.services.fn}', {}, { services: { fn: () => 1 } });
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(ExpressionError);
      expect(error).toMatchObject({ kind: 'evaluation', reason: 'cannot write a function into text' });
    });

    it('works through bpmn-elements Environment.resolveExpression with a message', () => {
      // given the engine's own environment using our expressions
      const environment = new Environment({ variables: { amount: 1500 }, expressions: expressions() });
      // when it resolves with an activity message, as a sequence flow does
      // then variables and message content are both visible
      expect(environment.resolveExpression('${amount > 1000 && content.id == "flow"}', { content: { id: 'flow' } })).toBe(true);
    });
  });

  describe('isExpression and hasExpression', () => {
    it.each([
      ['${a}', true, true],
      ['  ${a > 1}  ', true, true],
      ['=a > 1', true, true],
      ['  =a', true, true],
      ['a ${b} c', false, true],
      ['${a} ${b}', false, true],
      ['\\${a}', false, false],
      ['plain', false, false],
      ['', false, false],
      ['${a', false, true],
    ])('%p: isExpression %p, hasExpression %p', (text, whole, has) => {
      expect(expressions().isExpression(text)).toBe(whole);
      expect(expressions().hasExpression(text)).toBe(has);
    });

    it('answers false for non-strings', () => {
      expect(expressions().isExpression(undefined)).toBe(false);
      expect(expressions().hasExpression(42)).toBe(false);
    });
  });

  describe('compile and the cache', () => {
    it('parses each text once and reuses it', () => {
      // given a fresh evaluator
      const ex = createExpressions();
      const context = { environment: { variables: { amount: 5 } } };
      // when the same condition is evaluated for many instances
      for (let i = 0; i < 50; i++) ex.resolveExpression('${amount > 1}', context);
      ex.resolveExpression('${amount < 1}', context);
      // then it was compiled once
      expect(ex.stats()).toEqual({ size: 2, hits: 49, misses: 2 });
      expect(ex.compile('${amount > 1}')).toBe(ex.compile('${amount > 1}'));
    });

    it('evicts the least recently used entry when full', () => {
      const cache = new ExpressionCache(2);
      const a = cache.get('${a}', (s) => compileExpression(s));
      cache.get('${b}', (s) => compileExpression(s));
      cache.get('${a}', (s) => compileExpression(s));
      cache.get('${c}', (s) => compileExpression(s));
      expect(cache.get('${a}', (s) => compileExpression(s))).toBe(a);
      expect(cache.stats()).toEqual({ size: 2, hits: 2, misses: 3 });
    });

    it('does not cache a failing text, and reports it each time', () => {
      const ex = createExpressions();
      expect(() => ex.compile('${a +}')).toThrow(ExpressionError);
      expect(() => ex.compile('${a +}')).toThrow(ExpressionError);
      expect(ex.stats().size).toBe(0);
    });

    it('reports the kind of each compiled text', () => {
      const ex = expressions();
      expect(ex.compile('text').kind).toBe('text');
      expect(ex.compile('${a}').kind).toBe('juel');
      expect(ex.compile('a ${b}').kind).toBe('template');
      expect(ex.compile('=a').kind).toBe('feel');
    });

    it('refuses FEEL without feelin, and bad limits', () => {
      expect(() => createExpressions().compile('=a > 1')).toThrow(expect.objectContaining({ kind: 'unsupported' }));
      expect(createExpressions().resolveExpression('${1 + 1}', {})).toBe(2);
      expect(() => createExpressions({ limits: { maxDepth: 0 } })).toThrow(RangeError);
      expect(() => createExpressions({ limits: { maxLength: 1.5 } })).toThrow(RangeError);
    });
  });
});
