import { errorOf, evaluate, expressions, prepareExpressions } from './evaluate-helper';

describe('JUEL names, properties, methods and services', () => {
  beforeAll(prepareExpressions);

  describe('name resolution', () => {
    it('finds a bare name among the process variables first', () => {
      // given a variable and a context entry with the same name
      // when the bare name is evaluated
      // then the variable wins
      expect(evaluate('${content}', { content: 'variable' }, { content: { id: 'message' } })).toBe('variable');
    });

    it('falls back to the context object: content, properties, fields', () => {
      const options = { content: { output: { y: 3 }, id: 'task' }, properties: { messageId: 'm1' } };
      expect(evaluate('${content.output.y}', {}, options)).toBe(3);
      expect(evaluate('${properties.messageId}', {}, options)).toBe('m1');
      expect(evaluate('${fields.routingKey}', {}, options)).toBe('run.execute');
    });

    it('reads bpmn-engine style environment.variables.*, even through its prototype getter', () => {
      expect(evaluate('${environment.variables.amount * 2}', { amount: 21 })).toBe(42);
      expect(evaluate('${environment.variables.missing}', {})).toBeUndefined();
    });

    it('keeps environment reserved, so a variable cannot shadow environment.services', () => {
      // given a process variable named environment
      const variables = { environment: { services: { fn: 'not a function' } }, x: 1 };
      // when environment.* is used
      // then it is the engine's environment
      expect(evaluate('${environment.variables.x}', variables)).toBe(1);
      expect(evaluate('${environment.services.fn()}', variables, { services: { fn: () => 'real' } })).toBe('real');
      expect(evaluate('${environment.variables.environment.services.fn}', variables)).toBe('not a function');
    });

    it('refuses an unknown bare name as Camunda does', () => {
      // given no variable amont
      // when a condition misspells amount
      const error = errorOf('${amont > 1000}', { amount: 1 });
      // then the error names the property, the expression and the position
      expect(error).toMatchObject({ kind: 'unknown_property', expression: '${amont > 1000}', position: 2, reason: 'Unknown property used in expression: amont' });
      expect(error.message).toBe('Expression "${amont > 1000}" failed at position 2: Unknown property used in expression: amont');
    });

    it('treats a missing property of a known value as undefined, and a property of null as undefined', () => {
      const variables = { order: { customer: null }, list: [] };
      expect(evaluate('${order.total}', variables)).toBeUndefined();
      expect(evaluate('${order.customer.name}', variables)).toBeUndefined();
      expect(evaluate('${order.customer.name == null}', variables)).toBe(true);
      expect(evaluate('${list[3]}', variables)).toBeUndefined();
    });

    it('accepts a variable whose value is null as known', () => {
      expect(evaluate('${comment == null}', { comment: null })).toBe(true);
    });
  });

  describe('property access', () => {
    const variables = {
      order: { total: 12, 'line-items': [{ sku: 'A', qty: 2 }, { sku: 'B', qty: 5 }], empty: 'e', div: 'd' },
      key: 'total',
      i: 1,
      text: 'héllo',
      matrix: [[1, 2], [3, 4]],
    };

    it.each([
      ['${order.total}', 12],
      ["${order['total']}", 12],
      ['${order["total"]}', 12],
      ['${order[key]}', 12],
      ["${order['line-items'][1].qty}", 5],
      ["${order['line-items'][i].sku}", 'B'],
      ["${order['line-items']['0'].sku}", 'A'],
      ["${order['line-items'].length}", 2],
      ['${matrix[1][0]}', 3],
      ['${text.length}', 5],
      ['${text[1]}', 'é'],
      ['${order.empty}', 'e'],
      ['${order.div}', 'd'],
      ["${order['line-items'][-1]}", undefined],
      ["${order['line-items'][1.5]}", undefined],
      ['${order.total.value}', undefined],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, variables)).toEqual(expected);
    });

    it('refuses a list or map as a key', () => {
      expect(errorOf('${order[matrix]}', variables)).toMatchObject({ kind: 'evaluation', reason: 'cannot use list as a property name or index' });
    });
  });

  describe('allow-listed methods', () => {
    const variables = { list: ['a', 'b', 'c'], map: { a: 1, b: 2 }, text: ' Mixed Case ', code: 'NCR-42', none: null, n: 3 };

    it.each([
      ['${list.size()}', 3],
      ['${map.size()}', 2],
      ['${code.size()}', 6],
      ['${code.length()}', 6],
      ["${list.contains('b')}", true],
      ["${list.contains('z')}", false],
      ["${code.contains('42')}", true],
      ['${code.contains(42)}', true],
      ["${map.containsKey('a')}", true],
      ["${map.containsKey('toString')}", false],
      ["${code.startsWith('NCR')}", true],
      ["${code.endsWith('41')}", false],
      ['${text.toUpperCase()}', ' MIXED CASE '],
      ['${text.toLowerCase()}', ' mixed case '],
      ['${text.trim()}', 'Mixed Case'],
      ['${code.substring(4)}', '42'],
      ['${code.substring(0, 3)}', 'NCR'],
      ["${code.indexOf('-')}", 3],
      ["${list.indexOf('c')}", 2],
      ['${list.get(0)}', 'a'],
      ["${map.get('b')}", 2],
      ['${list.isEmpty()}', false],
      ["${code.equals('NCR-42')}", true],
      ["${code.equalsIgnoreCase('ncr-42')}", true],
      ["${list['size']()}", 3],
      ['${code.trim().toLowerCase().startsWith("ncr")}', true],
      ['${list.contains(n)}', false],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, variables)).toEqual(expected);
    });

    it.each([
      ['${none.size()}', 'size() cannot be called on null'],
      ['${n.toUpperCase()}', 'toUpperCase() cannot be called on number'],
      ['${code.substring(3, 99)}', 'substring(3, 99) is out of range for a string of length 6'],
      ['${code.substring(1.5)}', '1.5 is not an integer'],
    ])('%s fails with "%s"', (text, reason) => {
      expect(errorOf(text, variables)).toMatchObject({ kind: 'evaluation', reason });
    });

    it.each([
      ['${code.replace("a", "b")}', 'unknown_function'],
      ['${code.toString()}', 'unknown_function'],
      ['${code.getClass()}', 'unknown_function'],
      ['${size(list)}', 'unknown_function'],
      ['${list.size()()}', 'unknown_function'],
      ['${list.size(1)}', 'syntax'],
      ['${list.contains()}', 'syntax'],
    ])('%s is refused at compile time (%s)', (text, kind) => {
      // given a call outside the allow-list, or with the wrong number of arguments
      // when it is compiled (before any data is looked at)
      // then it is refused
      expect(() => expressions().compile(text)).toThrow(expect.objectContaining({ kind }));
    });
  });

  describe('environment.services', () => {
    it('returns a service function uncalled, as bpmn-engine service tasks expect', () => {
      const fn = () => 'x';
      expect(evaluate('${environment.services.fn}', {}, { services: { fn } })).toBe(fn);
    });

    it('calls a service with evaluated arguments and the fnContext as this', () => {
      // given a service that records its arguments and this
      const calls: unknown[] = [];
      const owner = { id: 'task' };
      const services = {
        isAbove(this: unknown, limit: number, value: number) {
          calls.push({ self: this, limit, value });
          return value > limit;
        },
      };
      // when an expression calls it
      const result = evaluate('${environment.services.isAbove(10, amount + 1)}', { amount: 10 }, { services, fnContext: owner });
      // then it got the values and the owner
      expect(result).toBe(true);
      expect(calls).toEqual([{ self: owner, limit: 10, value: 11 }]);
    });

    it('passes the context object to a service called without arguments, as bpmn-engine does', () => {
      let received: any;
      evaluate("${environment.services['peek']()}", { a: 1 }, { services: { peek: (ctx: unknown) => (received = ctx) }, content: { id: 'x' } });
      expect(received.content).toEqual({ id: 'x' });
      expect(received.environment.variables).toEqual({ a: 1 });
    });

    it('reports a missing service and wraps a failing one, keeping its error as cause', () => {
      expect(errorOf('${environment.services.nope(1)}')).toMatchObject({ kind: 'unknown_function', reason: 'no service function environment.services.nope' });
      const boom = new Error('ERP is down');
      const error = errorOf('${environment.services.fail()}', {}, { services: { fail: () => { throw boom; } } });
      expect(error).toMatchObject({ kind: 'service', reason: 'environment.services.fail() failed: ERP is down' });
      expect(error.cause).toBe(boom);
    });

    it('never returns or calls any other function', () => {
      // given functions reachable as data
      const variables = { obj: { fn: () => 'leak' } };
      // when an expression reaches for them
      // then it is refused
      expect(errorOf('${obj.fn}', variables)).toMatchObject({ kind: 'forbidden' });
      expect(errorOf('${environment.resolveExpression}')).toMatchObject({ kind: 'forbidden' });
      expect(errorOf('${environment.getServiceByName}')).toMatchObject({ kind: 'forbidden' });
      expect(errorOf('${resolveExpression}', {}, { content: {} })).toMatchObject({ kind: 'unknown_property' });
    });
  });
});

