import { isWholePlaceholder, parseTemplate, renderJson, renderPath, renderText, renderValue, TemplateError, templateProblem } from '../../../server/adapters/http/template';

const variables = {
  orderId: 'WO-1001',
  quantity: 12.5,
  final: true,
  material: 'RM/10 01',
  postedAt: new Date('2026-03-01T10:00:00Z'),
  lots: [{ lot: 'L-1', quantity: 2 }],
  nothing: null,
  operator: { name: 'Ada', badge: 7 },
};

describe('request templates', () => {
  it('splits literals and placeholders, honouring \\${ and quoted braces', () => {
    expect(parseTemplate("a ${x} b ${y == '}' ? 1 : 2}")).toEqual([{ literal: 'a ' }, { expression: 'x' }, { literal: ' b ' }, { expression: "y == '}' ? 1 : 2" }]);
    expect(parseTemplate('cost \\${x}')).toEqual([{ literal: 'cost ${x}' }]);
    expect(() => parseTemplate('${unclosed')).toThrow(TemplateError);
    expect(() => parseTemplate('${ }')).toThrow(/empty/);
  });

  it('renders text: values as text, dates as ISO 8601, maps as JSON, null as empty', () => {
    // when
    const text = renderText('Order ${orderId}: ${quantity} at ${postedAt} by ${operator} ${nothing}.', variables);

    // then
    expect(text).toBe('Order WO-1001: 12.5 at 2026-03-01T10:00:00.000Z by {"name":"Ada","badge":7} .');
  });

  it('renders a whole placeholder to the raw value, and evaluates safe expressions', () => {
    expect(renderValue('${quantity}', variables)).toBe(12.5);
    expect(renderValue(' ${lots} ', variables)).toEqual(variables.lots);
    expect(renderValue('${quantity * 2}', variables)).toBe(25);
    expect(renderValue('${operator.badge}', variables)).toBe(7);
    expect(renderValue('=1+1', variables)).toBe('=1+1');
  });

  it('encodes each path placeholder as one segment', () => {
    expect(renderPath('/materials/${material}/availability', variables)).toBe('/materials/RM%2F10%2001/availability');
    expect(renderPath('/orders/${orderId}/confirmations', variables)).toBe('/orders/WO-1001/confirmations');
    expect(renderPath('/x/${"a?b#c"}', variables)).toBe('/x/a%3Fb%23c');
  });

  it.each([
    ['an empty value', '/orders/${nothing}', /empty/],
    ['a dot-dot segment', "/orders/${'..'}", /not a path segment/],
    ['a map', '/orders/${operator}', /map/],
  ])('refuses %s in a path', (_what, template, message) => {
    expect(() => renderPath(template, variables)).toThrow(message);
  });

  it('renders JSON bodies: whole placeholders keep their type, other strings are text', () => {
    // given
    const body = {
      operation: '0010',
      yieldQuantity: '${quantity}',
      finalConfirmation: '${final}',
      note: 'by ${operator.name}',
      consumedLots: '${lots}',
      postedAt: '${postedAt}',
      missing: '${nothing}',
      nested: [{ badge: '${operator.badge}' }, 3, null],
    };

    // when
    const rendered = renderJson(body, variables);

    // then
    expect(rendered).toEqual({
      operation: '0010',
      yieldQuantity: 12.5,
      finalConfirmation: true,
      note: 'by Ada',
      consumedLots: [{ lot: 'L-1', quantity: 2 }],
      postedAt: '2026-03-01T10:00:00.000Z',
      missing: null,
      nested: [{ badge: 7 }, 3, null],
    });
  });

  it('keeps a "__proto__" key of a template as data', () => {
    const rendered = renderJson(JSON.parse('{"__proto__": {"polluted": "${orderId}"}}'), variables) as Record<string, unknown>;
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
    expect(Object.keys(rendered)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails on an unknown variable instead of sending a blank', () => {
    expect(() => renderText('Order ${ordreId}', variables)).toThrow(/Unknown property used in expression: ordreId/);
    expect(() => renderJson({ a: '${ordreId}' }, variables)).toThrow(TemplateError);
  });

  it('refuses values that are not JSON', () => {
    expect(() => renderJson({ a: '${v}' }, { v: new Map() })).toThrow(/not a JSON value/);
    expect(() => renderJson({ a: '${v}' }, { v: Number.NaN })).toThrow(/not a JSON number/);
  });

  it('checks templates when they are configured: syntax, function calls and prototype access', () => {
    expect(templateProblem('/orders/${orderId}')).toBeUndefined();
    expect(templateProblem('/orders/${orderId')).toMatch(/not closed/);
    expect(templateProblem('${a ==}')).toMatch(/expected a value/);
    expect(templateProblem('${process.exit(1)}')).toBeDefined();
    expect(templateProblem('${a.constructor}')).toMatch(/constructor/);
  });

  it('tells a whole placeholder from a text', () => {
    expect(isWholePlaceholder(' ${x} ')).toBe(true);
    expect(isWholePlaceholder('a${x}')).toBe(false);
    expect(isWholePlaceholder('${x}${y}')).toBe(false);
  });
});
