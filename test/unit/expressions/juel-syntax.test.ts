import { compileExpression, ExpressionError } from '../../../server/expressions';

function syntaxError(text: string): ExpressionError {
  try {
    compileExpression(text);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`expected ${text} not to compile`);
}

describe('JUEL syntax errors', () => {
  it.each([
    ['${}', 2, 'empty expression'],
    ['${   }', 5, 'empty expression'],
    ['${amount >}', 10, 'expected a value but found the end of the expression'],
    ['${amount > 1000', 15, 'missing } at the end of the expression'],
    ['${a b}', 4, 'unexpected "b"'],
    ['${(a + 1}', 8, 'expected ")" to close "(" but found the end of the expression'],
    ['${a[1}', 5, 'expected "]" to close "[" but found the end of the expression'],
    ['${a ? b}', 7, 'expected ":" in a conditional (a ? b : c) but found the end of the expression'],
    ["${'open}", 2, 'unterminated string'],
    ['${a = 1}', 4, 'assignment is not supported; compare with == or eq'],
    ['${a & b}', 4, 'use && (or and) for a logical operator'],
    ['${a | b}', 4, 'use || (or or) for a logical operator'],
    ['${a # b}', 4, 'unexpected character "#"'],
    ['${a instanceof b}', 4, 'instanceof is not supported'],
    ['${a.}', 4, 'expected a property name after "." but found the end of the expression'],
    ['${a.1}', 4, 'expected a property name after "." but found "1"'],
    ['${1abc}', 2, 'malformed number 1a'],
    ['${1e999}', 2, 'number 1e999 is out of range'],
    ['${a,b}', 3, 'unexpected ","'],
    ['${fn:contains(a, b)}', 4, 'unexpected ":"'],
    ['${f(1, }', 2, 'unknown function f(); functions are not supported, only allow-listed methods and environment.services.<name>(…)'],
    ['text ${ok} and ${bad +}', 22, 'expected a value but found the end of the expression'],
  ])('%s fails at %i: %s', (text, position, reason) => {
    // given a malformed expression
    // when it is compiled
    const error = syntaxError(text);
    // then the error names the expression, the position and the reason
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error.expression).toBe(text);
    expect(error.position).toBe(position);
    expect(error.reason).toBe(reason);
    expect(['syntax', 'unknown_function']).toContain(error.kind);
  });

  it('counts positions in the whole text, so a template error points at the right part', () => {
    const text = 'Invoice ${invoice.number} for ${customer.}';
    expect(syntaxError(text).position).toBe(text.length - 1);
  });

  it('accepts whitespace, newlines and tabs anywhere between tokens', () => {
    const compiled = compileExpression('${\n\tamount\n  >\r\n 1000 }');
    expect(compiled.kind).toBe('juel');
    expect(compiled.evaluate({ environment: { variables: { amount: 1001 } } })).toBe(true);
  });

  it('accepts reserved words as property names after a dot', () => {
    const compiled = compileExpression('${a.empty && a.not.div}');
    expect(compiled.evaluate({ environment: { variables: { a: { empty: true, not: { div: 'true' } } } } })).toBe(true);
  });

  it('accepts unicode identifiers', () => {
    expect(compileExpression('${größe > 1}').evaluate({ environment: { variables: { größe: 2 } } })).toBe(true);
  });
});
