import { errorOf, evaluate, prepareExpressions } from './evaluate-helper';

const vars = {
  amount: 2000,
  small: 5,
  zero: 0,
  text: 'abc',
  numeric: '42',
  blank: '',
  yes: true,
  no: false,
  yesText: 'TRUE',
  nothing: null,
  list: [1, 2, 3],
  emptyList: [],
  map: { a: 1, nested: { b: 'x' } },
  emptyMap: {},
  when: new Date('2024-01-01T00:00:00Z'),
  later: new Date('2024-06-01T00:00:00Z'),
};

describe('JUEL operators', () => {
  beforeAll(prepareExpressions);

  describe('literals', () => {
    it.each([
      ['${42}', 42],
      ['${-7}', -7],
      ['${3.25}', 3.25],
      ['${.5}', 0.5],
      ['${1e3}', 1000],
      ['${2.5E-1}', 0.25],
      ["${'single'}", 'single'],
      ['${"double"}', 'double'],
      ["${'it\\'s'}", "it's"],
      ['${"say \\"hi\\""}', 'say "hi"'],
      ["${'back\\\\slash'}", 'back\\slash'],
      ["${'keeps \\n as written'}", 'keeps \\n as written'],
      ["${'}'}", '}'],
      ['${true}', true],
      ['${false}', false],
      ['${null}', null],
    ])('%s is %p', (text, expected) => {
      // given a literal
      // when it is evaluated
      // then its value comes back with its type
      expect(evaluate(text)).toEqual(expected);
    });
  });

  describe('arithmetic (EL coercion: null is 0, numeric strings are numbers)', () => {
    it.each([
      ['${1 + 2}', 3],
      ['${small - 7}', -2],
      ['${small * 3}', 15],
      ['${7 / 2}', 3.5],
      ['${7 div 2}', 3.5],
      ['${7 % 3}', 1],
      ['${7 mod 3}', 1],
      ['${-small}', -5],
      ['${- -small}', 5],
      ['${numeric + 1}', 43],
      ["${'1.5' * 2}", 3],
      ['${nothing + 1}', 1],
      ['${map.missing * 3}', 0],
      ['${blank + 1}', 1],
      ['${-nothing}', -0],
      ['${0.1 + 0.2}', 0.1 + 0.2],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, vars)).toBe(expected);
    });

    it.each([
      ["${'a' + 1}", 'cannot use string "a" as a number'],
      ["${text + 'd'}", 'cannot use string "abc" as a number'],
      ['${yes + 1}', 'cannot use boolean true as a number'],
      ['${list + 1}', 'cannot use list as a number'],
      ['${small / 0}', 'division by zero'],
      ['${small % zero}', 'division by zero'],
      ['${1e308 * 10}', 'the result is not a finite number'],
    ])('%s fails with "%s"', (text, reason) => {
      const error = errorOf(text, vars);
      expect(error.kind).toBe('evaluation');
      expect(error.reason).toBe(reason);
    });
  });

  describe('comparisons', () => {
    it.each([
      ['${amount > 1000}', true],
      ['${amount gt 1000}', true],
      ['${amount < 1000}', false],
      ['${amount lt 1000}', false],
      ['${amount >= 2000}', true],
      ['${amount ge 2001}', false],
      ['${amount <= 2000}', true],
      ['${amount le 1999}', false],
      ['${amount == 2000}', true],
      ['${amount eq 2000}', true],
      ['${amount != 2000}', false],
      ['${amount ne 1}', true],
      ["${numeric == 42}", true],
      ["${42 == '42.0'}", true],
      ["${numeric > 9}", true],
      ["${'10' > '9'}", false],
      ["${text == 'abc'}", true],
      ["${text < 'abd'}", true],
      ["${yes == 'true'}", true],
      ["${yesText == true}", true],
      ["${no == 'no'}", true],
      ['${nothing == null}', true],
      ['${map.missing == null}', true],
      ['${nothing != null}', false],
      ['${nothing == 0}', false],
      ['${nothing < 1}', false],
      ['${nothing > 1}', false],
      ['${nothing >= nothing}', false],
      ['${list == list}', true],
      ['${map.nested == map.nested}', true],
      ['${when < later}', true],
      ['${when == when}', true],
      ['${list == map}', false],
      ["${text == list}", false],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, vars)).toBe(expected);
    });

    it('compares lists and maps by value, as Java equals() does', () => {
      // given two structurally equal values held in different variables
      const variables = { a: { x: [1, { y: 'z' }] }, b: { x: [1, { y: 'z' }] }, c: { x: [1, { y: 'q' }] } };
      // when compared
      // then equality is structural
      expect(evaluate('${a == b}', variables)).toBe(true);
      expect(evaluate('${a == c}', variables)).toBe(false);
    });

    it.each([
      ["${text == 1}", 'cannot use string "abc" as a number'],
      // EL coerces to number before boolean, so a number never equals a boolean.
      ['${small == yes}', 'cannot use boolean true as a number'],
      ['${list < map}', 'cannot compare list with map'],
      ['${yes < no}', 'cannot compare boolean with boolean'],
      ["${when < '2025-01-01'}", 'cannot compare date with string'],
    ])('%s fails with "%s"', (text, reason) => {
      expect(errorOf(text, vars)).toMatchObject({ kind: 'evaluation', reason });
    });
  });

  describe('logic (operands coerced to boolean: null is false, strings are "true" ignoring case)', () => {
    it.each([
      ['${yes && no}', false],
      ['${yes and yes}', true],
      ['${no || yes}', true],
      ['${no or no}', false],
      ['${!yes}', false],
      ['${not no}', true],
      ['${!nothing}', true],
      ['${yesText && yes}', true],
      ["${'nope' || no}", false],
      ['${nothing || yes}', true],
      ['${!!yes}', true],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, vars)).toBe(expected);
    });

    it.each([['${small && yes}'], ['${!list}'], ['${map || yes}']])('%s is a type error', (text) => {
      expect(errorOf(text, vars).kind).toBe('evaluation');
    });

    it('short-circuits && and || so the right side is never evaluated', () => {
      // given a right side that would fail (unknown variable, division by zero)
      // when the left side already decides
      // then no error is raised
      expect(evaluate('${no && unknownVariable}', vars)).toBe(false);
      expect(evaluate('${yes || 1 / 0 > 1}', vars)).toBe(true);
      expect(evaluate('${no and environment.services.boom()}', vars, { services: { boom: () => { throw new Error('called'); } } })).toBe(false);
    });

    it('evaluates only the branch the ternary takes', () => {
      expect(evaluate("${yes ? 'a' : unknownVariable}", vars)).toBe('a');
      expect(evaluate("${no ? 1 / 0 : 'b'}", vars)).toBe('b');
    });
  });

  describe('empty', () => {
    it.each([
      ['${empty nothing}', true],
      ['${empty blank}', true],
      ['${empty emptyList}', true],
      ['${empty emptyMap}', true],
      ['${empty undefinedVariable}', true],
      ['${empty undefinedVariable.deeper.still}', true],
      ['${empty map.missing}', true],
      ['${empty text}', false],
      ['${empty list}', false],
      ['${empty map}', false],
      ['${empty zero}', false],
      ['${empty no}', false],
      ['${!empty blank}', false],
      ['${not empty list}', true],
      ['${empty list[7]}', true],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, vars)).toBe(expected);
    });

    it('is lenient only about its own operand', () => {
      // given an unknown variable inside an arithmetic operand of empty
      // when evaluated
      // then the unknown name is still an error
      expect(errorOf('${empty (undefinedVariable + 1)}', vars).kind).toBe('unknown_property');
    });
  });

  describe('precedence and associativity', () => {
    it.each([
      ['${1 + 2 * 3}', 7],
      ['${(1 + 2) * 3}', 9],
      ['${10 - 4 - 3}', 3],
      ['${100 / 10 / 5}', 2],
      ['${2 * 3 % 4}', 2],
      ['${-2 * 3}', -6],
      ['${1 + 2 > 2}', true],
      ['${1 < 2 == true}', true],
      ['${yes || no && no}', true],
      ['${(yes || no) && no}', false],
      ['${!no && no}', false],
      ['${!(no && no)}', true],
      ["${yes ? no ? 'a' : 'b' : 'c'}", 'b'],
      ["${no ? 'a' : no ? 'b' : 'c'}", 'c'],
      ['${small > 1 ? small * 2 : 0}', 10],
      ['${empty nothing && yes}', true],
      ['${small == 5 && amount > 1000 || no}', true],
    ])('%s is %p', (text, expected) => {
      expect(evaluate(text, vars)).toBe(expected);
    });
  });
});
