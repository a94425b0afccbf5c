/** Bounds that keep a hostile or careless model from hanging or crashing the process. */
export type ExpressionLimits = {
  /** Longest expression text (a whole template or FEEL text), in UTF-16 code units. */
  readonly maxLength: number;
  /** Deepest nesting of the syntax tree (parentheses, operators, member chains). */
  readonly maxDepth: number;
  /** Largest span of a literal FEEL range used as an iteration context (`for i in 1..n`). */
  readonly maxFeelRange: number;
  /** Most iteration contexts (`for`/`some`/`every` … `in`) in one FEEL expression. */
  readonly maxFeelIterations: number;
  /** Deepest structure compared by `==` or `contains()`, or converted from a FEEL result. */
  readonly maxValueDepth: number;
};

/** The limits used unless `createExpressions({ limits })` overrides some of them. */
export const DEFAULT_LIMITS: ExpressionLimits = Object.freeze({
  maxLength: 16_384,
  maxDepth: 100,
  maxFeelRange: 10_000,
  maxFeelIterations: 2,
  maxValueDepth: 32,
});
