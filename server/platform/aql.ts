/**
 * ANSI/ASQ Z1.4 (= MIL-STD-105E, ISO 2859-1:1989 tables) single sampling by attributes: the sample
 * size code letter of Table I, and the sample size with acceptance (Ac) and rejection (Re) numbers
 * of Tables II-A (normal), II-B (tightened) and II-C (reduced).
 *
 * The master tables are diagonal: with i the AQL column (0.010 → 0 … 1000 → 25) and j the code
 * letter row (A → 0 … R → 15, S → 16), a cell depends on d = i + j only, apart from the few large
 * acceptance numbers (Ac ≥ 30 normal, ≥ 27 tightened, ≥ 14 reduced) that the tables give in rows
 * A–E only. Each table is therefore encoded as its sequence along d, with the arrows:
 * ↓ "use the first sampling plan below the arrow", ↑ "use the first sampling plan above".
 * Checked against cells read from the published tables (test/unit/platform/aql.test.ts).
 */

export const INSPECTION_LEVELS = ['S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III'] as const;
export type InspectionLevel = (typeof INSPECTION_LEVELS)[number];
export const SWITCHING_STATES = ['normal', 'tightened', 'reduced'] as const;
export type SwitchingState = (typeof SWITCHING_STATES)[number];

/** The AQL columns of Tables II-A to II-C, in order. */
export const AQL_VALUES = ['0.010', '0.015', '0.025', '0.040', '0.065', '0.10', '0.15', '0.25', '0.40', '0.65', '1.0', '1.5', '2.5', '4.0', '6.5', '10', '15', '25', '40', '65', '100', '150', '250', '400', '650', '1000'] as const;

const LETTERS = 'ABCDEFGHJKLMNPQRS';
/** Sample sizes by code letter, normal and tightened (S only in the tightened table). */
const SAMPLE_SIZES = [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150];
/** Sample sizes by code letter under reduced inspection (Table II-C). */
const REDUCED_SAMPLE_SIZES = [2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800];

/** Table I: inclusive upper bounds of the lot size ranges; the last range is open. */
const LOT_UPPER_BOUNDS = [8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10_000, 35_000, 150_000, 500_000];
/** Table I: one code letter per lot size range, for each inspection level. */
const TABLE_I: Record<InspectionLevel, string> = {
  'S-1': 'AAAABBBBCCCCDDD',
  'S-2': 'AAABBBCCCDDDEEE',
  'S-3': 'AABBCCDDEEFFGGH',
  'S-4': 'AABCCDEEFGGHJJK',
  I: 'AABCCDEFGHJKLMN',
  II: 'ABCDEFGHJKLMNPQ',
  III: 'BCDEFGHJKLMNPQR',
};

type Cell = readonly [ac: number, re: number] | 'up' | 'down';

/** Each table along its diagonal d = i + j: first d with a plan, the cells from there, the rows that carry the large numbers. */
type DiagonalTable = { first: number; cells: readonly Cell[]; rows: number; sampleSizes: readonly number[]; largeFrom: number };

const TABLES: Record<SwitchingState, DiagonalTable> = {
  // II-A: 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45
  normal: {
    first: 14,
    cells: [[0, 1], 'up', 'down', [1, 2], [2, 3], [3, 4], [5, 6], [7, 8], [10, 11], [14, 15], [21, 22], [30, 31], [44, 45]],
    rows: 16,
    sampleSizes: SAMPLE_SIZES,
    largeFrom: 11,
  },
  // II-B: 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42, one diagonal later than normal; rows A–S.
  tightened: {
    first: 15,
    cells: [[0, 1], 'up', 'down', [1, 2], [2, 3], [3, 4], [5, 6], [8, 9], [12, 13], [18, 19], [27, 28], [41, 42]],
    rows: 17,
    sampleSizes: SAMPLE_SIZES,
    largeFrom: 10,
  },
  // II-C: 0/1 ↑ ↓ 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 14/17 21/24 (between Ac and Re: accept, but return to normal).
  reduced: {
    first: 14,
    cells: [[0, 1], 'up', 'down', [0, 2], [1, 3], [1, 4], [2, 5], [3, 6], [5, 8], [7, 10], [10, 13], [14, 17], [21, 24]],
    rows: 16,
    sampleSizes: REDUCED_SAMPLE_SIZES,
    largeFrom: 11,
  },
};

/** The rows (A–E) that carry the large acceptance numbers in the upper right of each table. */
const LAST_ROW_WITH_LARGE_NUMBERS = 4;

function cell(table: DiagonalTable, row: number, column: number): Cell {
  const index = row + column - table.first;
  if (index < 0) return 'down';
  if (index >= table.cells.length) return 'up';
  if (index >= table.largeFrom && row > LAST_ROW_WITH_LARGE_NUMBERS) return 'up';
  return table.cells[index];
}

/** A sampling plan as the tables give it. */
export type SamplingPlan = {
  /** Table I's code letter for the lot size and inspection level. */
  codeLetter: string;
  /** The letter whose plan applies after following the arrows (S only under tightened inspection). */
  planCodeLetter: string;
  /** Units to inspect; the lot size when the plan's sample is as large as the lot (100 %). */
  sampleSize: number;
  acceptNumber: number;
  rejectNumber: number;
  /** The sample is the whole lot. */
  fullInspection: boolean;
  aql: string;
  inspectionLevel: InspectionLevel;
  switchingState: SwitchingState;
};

/** An input the tables cannot answer (an AQL not in the tables, a lot size below 1, an unknown level). */
export class SamplingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SamplingInputError';
  }
}

/**
 * Table I: the sample size code letter.
 * @throws SamplingInputError for a lot size that is not a whole number ≥ 1 or an unknown level.
 */
export function codeLetterFor(lotSize: number, level: InspectionLevel): string {
  if (!Number.isInteger(lotSize) || lotSize < 1) throw new SamplingInputError(`The lot size must be a whole number of at least 1, not ${lotSize}`);
  const letters = TABLE_I[level];
  if (!letters) throw new SamplingInputError(`Unknown inspection level "${level}"; use one of ${INSPECTION_LEVELS.join(', ')}`);
  const range = LOT_UPPER_BOUNDS.findIndex((bound) => lotSize <= bound);
  return letters[range === -1 ? LOT_UPPER_BOUNDS.length : range];
}

/**
 * The AQL column for a value given as text or number ("1.0", 1, "0.65", "10").
 * @throws SamplingInputError when it is not one of the tables' AQLs.
 */
export function aqlColumn(aql: string | number): number {
  const value = typeof aql === 'number' ? aql : Number(String(aql).trim().replace(',', '.'));
  const column = AQL_VALUES.findIndex((candidate) => Number(candidate) === value);
  if (!Number.isFinite(value) || column === -1) throw new SamplingInputError(`AQL ${aql} is not in the Z1.4 tables; use one of ${AQL_VALUES.join(', ')}`);
  return column;
}

/**
 * The single sampling plan for a lot: Table I, then the master table of the switching state,
 * following its arrows. An arrow that would leave the table (↑ in row A, ↓ below the last row) is
 * followed the other way, to the nearest plan that exists. A sample at least as large as the lot
 * means 100 % inspection with the plan's Ac and Re.
 * @throws SamplingInputError for inputs outside the tables.
 */
export function singleSamplingPlan(input: { lotSize: number; aql: string | number; inspectionLevel?: InspectionLevel; switchingState?: SwitchingState }): SamplingPlan {
  const level = input.inspectionLevel ?? 'II';
  const state = input.switchingState ?? 'normal';
  const table = TABLES[state];
  if (!table) throw new SamplingInputError(`Unknown switching state "${state}"; use one of ${SWITCHING_STATES.join(', ')}`);
  const codeLetter = codeLetterFor(input.lotSize, level);
  const column = aqlColumn(input.aql);
  const start = LETTERS.indexOf(codeLetter);

  const follow = (direction: 1 | -1): { row: number; plan: readonly [number, number] } | undefined => {
    for (let row = start; row >= 0 && row < table.rows; row += direction) {
      const found = cell(table, row, column);
      if (typeof found !== 'string') return { row, plan: found };
      // An arrow the other way means the plan sits on the other side of the start: not on this path.
      if (row !== start && found !== (direction === 1 ? 'down' : 'up')) return undefined;
    }
    return undefined;
  };
  const first = cell(table, start, column);
  const resolved =
    typeof first !== 'string'
      ? { row: start, plan: first }
      : (follow(first === 'down' ? 1 : -1) ?? follow(first === 'down' ? -1 : 1));
  if (!resolved) throw new SamplingInputError(`No plan for lot size ${input.lotSize} at AQL ${input.aql} (${state}, level ${level})`);

  const planSize = table.sampleSizes[resolved.row];
  const fullInspection = planSize >= input.lotSize;
  return {
    codeLetter,
    planCodeLetter: LETTERS[resolved.row],
    sampleSize: fullInspection ? input.lotSize : planSize,
    acceptNumber: resolved.plan[0],
    rejectNumber: resolved.plan[1],
    fullInspection,
    aql: AQL_VALUES[column],
    inspectionLevel: level,
    switchingState: state,
  };
}
