import { createExpressions, loadFeel } from '../../../server/expressions';
import { errorOf, evaluate, prepareExpressions } from './evaluate-helper';

describe('FEEL expressions (=…, evaluated by feelin)', () => {
  beforeAll(prepareExpressions);

  const variables = {
    amount: 2000,
    approved: false,
    riskLevels: ['green', 'red'],
    order: { total: 12, lines: [{ qty: 2 }, { qty: 5 }] },
    invoiceNumber: 'INV-7',
    nothing: null,
  };

  it.each([
    ['=amount > 1000', true],
    ['= amount > 1000', true],
    ['  =amount <= 1000', false],
    ['= approved', false],
    ['= not(approved)', true],
    ['= some risk in riskLevels satisfies risk = "red"', true],
    ['= every risk in riskLevels satisfies risk = "yellow"', false],
    ['=order.total >= 10 and amount > 1000', true],
    ['=sum(order.lines.qty)', 7],
    ['=count(order.lines[qty > 2])', 1],
    ['="Invoice " + invoiceNumber', 'Invoice INV-7'],
    ['=if amount > 1000 then "big" else "small"', 'big'],
    ['=amount in [1000..5000]', true],
    ['=string length(invoiceNumber)', 5],
    ['=nothing = null', true],
    ['=order.missing', null],
    ['=environment.variables.amount + 1', 2001],
    ['={a: 1, b: [1, 2]}', { a: 1, b: [1, 2] }],
    ['=for i in 1..3 return i * 2', [2, 4, 6]],
    ['=date("2024-01-01") + duration("P1D")', '2024-01-02'],
    ['=date and time("2024-01-01T10:00:00Z") + duration("PT30M")', '2024-01-01T10:30:00Z'],
    ['=duration("PT5M")', 'PT5M'],
    ['=[date("2024-01-01")]', ['2024-01-01']],
  ])('%s is %p', (text, expected) => {
    // given process variables
    // when a FEEL expression is evaluated
    // then it gives FEEL's answer, temporal values as ISO 8601 text
    expect(evaluate(text, variables)).toEqual(expected);
  });

  it('sees the message content and properties like JUEL does', () => {
    expect(evaluate('=content.output.y * 2', {}, { content: { output: { y: 21 } } })).toBe(42);
    expect(evaluate('=properties.messageId', {}, { properties: { messageId: 'm-1' } })).toBe('m-1');
  });

  it('prefers a process variable over a context entry of the same name', () => {
    expect(evaluate('=content', { content: 'variable' }, { content: { id: 'message' } })).toBe('variable');
  });

  it('reads JS dates in variables as FEEL date-times', () => {
    expect(evaluate('=due < date and time("2025-01-01T00:00:00Z")', { due: new Date('2024-06-01T00:00:00Z') })).toBe(true);
  });

  it('refuses an unknown variable, naming it and pointing at it', () => {
    const error = errorOf('= amont > 1000', variables);
    expect(error).toMatchObject({ kind: 'unknown_property', expression: '= amont > 1000', position: 2 });
    expect(error.reason).toBe("Variable 'amont' not found");
    expect(errorOf('=nofunction(1)', {}).reason).toBe("Variable 'nofunction' not found; Cannot invoke 'null'");
  });

  it('still lets a condition test for a missing variable', () => {
    expect(evaluate('=comment = null', {})).toBe(true);
  });

  it.each([
    ['="a" + 1', 'evaluation'],
    ['=nofunction(1)', 'unknown_function'],
  ])('%s fails as %s', (text, kind) => {
    expect(errorOf(text, variables).kind).toBe(kind);
  });

  it('keeps FEEL semantics where they differ from JUEL: comparing different types is false, x / 0 is null', () => {
    expect(evaluate('=amount > "x"', variables)).toBe(false);
    expect(evaluate('=amount / 0', variables)).toBeNull();
  });

  it('reports a syntax error at its position in the whole text', () => {
    const error = errorOf('=amount >', variables);
    expect(error).toMatchObject({ kind: 'syntax', expression: '=amount >' });
    expect(error.position).toBeGreaterThanOrEqual(1);
    expect(errorOf('=', variables)).toMatchObject({ kind: 'syntax', reason: 'empty FEEL expression' });
  });

  it('does not expose functions: no services, no logger, no host methods', () => {
    // given a service and a context entry holding functions
    const fn = jest.fn(() => true);
    const logger = { error: jest.fn() };
    // when FEEL tries to call them
    // then nothing is called and the expression fails
    expect(errorOf('=environment.services.fn()', {}, { services: { fn } }).kind).toBe('unknown_function');
    expect(errorOf('=logger.error("x")', { logger }).kind).toBe('unknown_function');
    expect(errorOf('=callback(1)', { callback: fn }).kind).toBe('unknown_function');
    expect(fn).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('refuses results that are not data', () => {
    expect(errorOf('=[1..3]', {})).toMatchObject({ kind: 'evaluation', reason: 'a FEEL expression cannot result in a FeelRange' });
  });

  it('reads now() and today() from the platform clock, so controlled-clock tests can move them', async () => {
    // given an evaluator on a clock fixed at noon on 2030-01-01
    const clock = { now: () => new Date('2030-01-01T12:00:00Z') };
    const ex = createExpressions({ feel: await loadFeel(), clock });
    // when due-date style expressions are evaluated
    // then they follow that clock, not the system time
    expect(ex.resolveExpression('=now()', {})).toBe('2030-01-01T12:00:00Z');
    expect(ex.resolveExpression('=now() + duration("P2D")', {})).toBe('2030-01-03T12:00:00Z');
    expect(ex.resolveExpression('=today()', {})).toBe('2030-01-01');
    expect(ex.resolveExpression('=today() < date("2030-01-02")', {})).toBe(true);
  });
});
