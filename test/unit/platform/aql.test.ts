import { AQL_VALUES, SamplingInputError, codeLetterFor, singleSamplingPlan, type InspectionLevel, type SwitchingState } from '../../../server/platform/aql';

// ANSI/ASQ Z1.4 single sampling. Expected values are cells of the published tables:
// Table I (all levels), Table II-A (normal) and II-B (tightened) — as reproduced from MIL-STD-105E
// in public QA handbooks and the DoD "AC-TABLE" level II normal / level III tightened extracts —
// and worked examples (lot 500, level II, AQL 1.0 → H, n = 50, Ac 1, Re 2).

const plan = (lotSize: number, aql: string, inspectionLevel: InspectionLevel = 'II', switchingState: SwitchingState = 'normal') =>
  singleSamplingPlan({ lotSize, aql, inspectionLevel, switchingState });
const brief = (p: ReturnType<typeof plan>) => [p.planCodeLetter, p.sampleSize, p.acceptNumber, p.rejectNumber];

describe('Table I: sample size code letters', () => {
  it.each([
    [2, 'A', 'A', 'A', 'A', 'A', 'A', 'B'],
    [15, 'A', 'A', 'A', 'A', 'A', 'B', 'C'],
    [25, 'A', 'A', 'B', 'B', 'B', 'C', 'D'],
    [50, 'A', 'B', 'B', 'C', 'C', 'D', 'E'],
    [90, 'B', 'B', 'C', 'C', 'C', 'E', 'F'],
    [150, 'B', 'B', 'C', 'D', 'D', 'F', 'G'],
    [280, 'B', 'C', 'D', 'E', 'E', 'G', 'H'],
    [500, 'B', 'C', 'D', 'E', 'F', 'H', 'J'],
    [1200, 'C', 'C', 'E', 'F', 'G', 'J', 'K'],
    [3200, 'C', 'D', 'E', 'G', 'H', 'K', 'L'],
    [10_000, 'C', 'D', 'F', 'G', 'J', 'L', 'M'],
    [35_000, 'C', 'D', 'F', 'H', 'K', 'M', 'N'],
    [150_000, 'D', 'E', 'G', 'J', 'L', 'N', 'P'],
    [500_000, 'D', 'E', 'G', 'J', 'M', 'P', 'Q'],
    [500_001, 'D', 'E', 'H', 'K', 'N', 'Q', 'R'],
  ])('lot size %i → S-1..S-4, I, II, III', (lotSize, ...letters) => {
    const levels: InspectionLevel[] = ['S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III'];
    expect(levels.map((level) => codeLetterFor(lotSize, level))).toEqual(letters);
  });

  it('uses the lower bound of each range too', () => {
    expect([9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10_001, 35_001, 150_001].map((n) => codeLetterFor(n, 'II'))).toEqual('BCDEFGHJKLMNP'.split(''));
  });
});

describe('Table II-A: normal inspection', () => {
  it('gives the worked example: 500 units, level II, AQL 1.0 → H, 50, Ac 1, Re 2', () => {
    expect(plan(500, '1.0')).toMatchObject({ codeLetter: 'H', planCodeLetter: 'H', sampleSize: 50, acceptNumber: 1, rejectNumber: 2, fullInspection: false });
  });

  it.each([
    // row E (13): 1.0 → 0/1; 1.5 ↑ → D 0/1; 2.5 ↓ → F 1/2; then 1/2, 2/3, 3/4, 5/6
    [60, '1.0', ['E', 13, 0, 1]],
    [60, '1.5', ['D', 8, 0, 1]],
    [60, '2.5', ['F', 20, 1, 2]],
    [60, '4.0', ['E', 13, 1, 2]],
    [60, '6.5', ['E', 13, 2, 3]],
    [60, '10', ['E', 13, 3, 4]],
    [60, '15', ['E', 13, 5, 6]],
    // row J (80): the common lot of 1 000
    [1000, '0.25', ['H', 50, 0, 1]],
    [1000, '0.40', ['K', 125, 1, 2]],
    [1000, '0.65', ['J', 80, 1, 2]],
    [1000, '1.0', ['J', 80, 2, 3]],
    [1000, '1.5', ['J', 80, 3, 4]],
    [1000, '2.5', ['J', 80, 5, 6]],
    [1000, '4.0', ['J', 80, 7, 8]],
    [1000, '6.5', ['J', 80, 10, 11]],
    [1000, '10', ['J', 80, 14, 15]],
    [1000, '15', ['J', 80, 21, 22]],
    // row K (125): up to 21/22, then ↑
    [2000, '0.65', ['K', 125, 2, 3]],
    [2000, '10', ['K', 125, 21, 22]],
    [2000, '15', ['J', 80, 21, 22]],
    // row Q (1250)
    [600_000, '0.65', ['Q', 1250, 14, 15]],
    [600_000, '1.0', ['Q', 1250, 21, 22]],
    [600_000, '1.5', ['P', 800, 21, 22]],
    [600_000, '0.010', ['Q', 1250, 0, 1]],
  ])('lot %i at AQL %s', (lotSize, aql, expected) => {
    expect(brief(plan(lotSize, aql as string))).toEqual(expected);
  });

  it('has the large acceptance numbers only in rows A–E', () => {
    expect(brief(plan(5, '1000', 'III'))).toEqual(['B', 3, 44, 45]);
    expect(brief(plan(60, '150'))).toEqual(['E', 13, 30, 31]);
    expect(brief(plan(60, '250'))).toEqual(['E', 13, 44, 45]);
    // F at 100 would be 30/31 on the diagonal, but the table points up to E
    expect(brief(plan(100, '100'))).toEqual(['E', 13, 21, 22]);
  });

  it('inspects the whole lot when the sample is as large as the lot', () => {
    expect(plan(4, '1.0')).toMatchObject({ sampleSize: 4, acceptNumber: 0, rejectNumber: 1, fullInspection: true, planCodeLetter: 'E' });
  });

  it('follows the other way when an arrow leaves the table', () => {
    // row A, AQL 10: ↑ with nothing above → the first plan below (C, 1/2); lot capped at 8
    expect(brief(plan(8, '10', 'I'))).toEqual(['C', 5, 1, 2]);
    // row R, AQL 0.015: ↓ with nothing below → the first plan above (P, 0/1)
    expect(brief(plan(600_000, '0.015', 'III'))).toEqual(['P', 800, 0, 1]);
  });
});

describe('Table II-B: tightened inspection', () => {
  it.each([
    // row G (32)
    [200, '0.65', ['G', 32, 0, 1]],
    [200, '1.0', ['F', 20, 0, 1]],
    [200, '1.5', ['H', 50, 1, 2]],
    [200, '2.5', ['G', 32, 1, 2]],
    [200, '4.0', ['G', 32, 2, 3]],
    [200, '6.5', ['G', 32, 3, 4]],
    [200, '10', ['G', 32, 5, 6]],
    [200, '15', ['G', 32, 8, 9]],
    // row J (80)
    [1000, '0.65', ['K', 125, 1, 2]],
    [1000, '1.0', ['J', 80, 1, 2]],
    [1000, '1.5', ['J', 80, 2, 3]],
    [1000, '2.5', ['J', 80, 3, 4]],
    [1000, '4.0', ['J', 80, 5, 6]],
    [1000, '6.5', ['J', 80, 8, 9]],
    [1000, '10', ['J', 80, 12, 13]],
    [1000, '15', ['J', 80, 18, 19]],
    // row K (125)
    [2000, '0.65', ['K', 125, 1, 2]],
    [2000, '10', ['K', 125, 18, 19]],
    [2000, '15', ['J', 80, 18, 19]],
  ])('lot %i at AQL %s', (lotSize, aql, expected) => {
    expect(brief(plan(lotSize, aql as string, 'II', 'tightened'))).toEqual(expected);
  });

  it('uses row S (3 150) below R', () => {
    expect(brief(plan(600_000, '0.025', 'III', 'tightened'))).toEqual(['S', 3150, 1, 2]);
  });

  it('is never looser than normal inspection for the same lot', () => {
    for (const lotSize of [10, 60, 200, 1000, 5000, 50_000]) {
      for (const aql of ['0.10', '0.65', '1.0', '2.5', '4.0', '6.5']) {
        const normal = plan(lotSize, aql);
        const tightened = plan(lotSize, aql, 'II', 'tightened');
        // the tightened plan accepts no more defectives per unit inspected
        expect(tightened.acceptNumber / tightened.sampleSize).toBeLessThanOrEqual(normal.acceptNumber / normal.sampleSize + 1e-9);
      }
    }
  });
});

describe('Table II-C: reduced inspection', () => {
  it('samples about 40 % of the normal sample: the size two code letters lower', () => {
    expect(plan(1000, '2.5', 'II', 'reduced')).toMatchObject({ codeLetter: 'J', planCodeLetter: 'J', sampleSize: 32 });
    expect(plan(50_000, '2.5', 'II', 'reduced').sampleSize).toBe(200);
  });

  it('keeps a gap between Ac and Re above the zero-acceptance plans (accept, but return to normal)', () => {
    expect(brief(plan(1000, '2.5', 'II', 'reduced'))).toEqual(['J', 32, 2, 5]);
    expect(brief(plan(1000, '1.0', 'II', 'reduced'))).toEqual(['J', 32, 1, 3]);
    expect(brief(plan(1000, '0.65', 'II', 'reduced'))).toEqual(['J', 32, 0, 2]);
    expect(brief(plan(1000, '0.15', 'II', 'reduced'))).toEqual(['J', 32, 0, 1]);
  });
});

describe('inputs outside the tables', () => {
  it('accepts AQLs given as numbers or text', () => {
    expect(plan(500, '1').sampleSize).toBe(50);
    expect(singleSamplingPlan({ lotSize: 500, aql: 1 }).acceptNumber).toBe(1);
    expect(AQL_VALUES).toHaveLength(26);
  });

  it.each([
    [{ lotSize: 500, aql: '1.2' }],
    [{ lotSize: 0, aql: '1.0' }],
    [{ lotSize: 12.5, aql: '1.0' }],
    [{ lotSize: 500, aql: '1.0', inspectionLevel: 'IV' as InspectionLevel }],
    [{ lotSize: 500, aql: '1.0', switchingState: 'skip' as SwitchingState }],
  ])('refuses %j', (input) => {
    expect(() => singleSamplingPlan(input)).toThrow(SamplingInputError);
  });
});
