import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from 'bpmn-engine';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json';
import type { Expressions } from '../../../server/expressions';
import { ExpressionError, loadExpressions } from '../../../server/expressions';

const CORPUS = join(__dirname, '../../../../shared/corpus');

/** Attribute values and element texts that hold an expression, with XML entities decoded. */
function expressionTexts(xml: string): string[] {
  const raw = [...xml.matchAll(/="([^"]*)"/g), ...xml.matchAll(/>([^<]*)</g)].map((match) => match[1]);
  return raw
    .map((text) =>
      text
        .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
        .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
    )
    .filter((text) => text.includes('${') || /^\s*=/.test(text));
}

const files = readdirSync(CORPUS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => readdirSync(join(CORPUS, dir.name)).filter((name) => name.endsWith('.bpmn')).map((name) => `${dir.name}/${name}`));

// Camunda 7 resolves beans such as ${genderBean.getGenderString(gender)} from Spring; Gemba
// only calls environment.services.*, so this one is refused when the model is checked.
const REFUSED = new Set(['${genderBean.getGenderString(gender)}']);

describe('expressions in the shared BPMN corpus', () => {
  let expressions: Expressions;
  beforeAll(async () => {
    expressions = await loadExpressions();
  });

  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it('compiles every ${…} and =… text of every corpus file, refusing only the Camunda bean call', () => {
    // given every expression text written in the corpus (conditions, mappings, timers, templates, FEEL)
    const texts = files.flatMap((file) => expressionTexts(readFileSync(join(CORPUS, file), 'utf8')).map((text) => ({ file, text })));
    expect(texts.length).toBeGreaterThan(100);
    // when each is compiled
    const refused = texts.flatMap(({ file, text }) => {
      try {
        expressions.compile(text);
        return [];
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        return [{ file, text, kind: err.kind }];
      }
    });
    // then only the bean calls are refused, as unknown functions
    expect(refused.filter(({ text }) => !REFUSED.has(text))).toEqual([]);
    expect(refused.map(({ kind }) => kind)).toEqual(['unknown_function', 'unknown_function']);
  });

  it('evaluates corpus conditions as Camunda would', () => {
    const context = (variables: Record<string, unknown>) => ({ environment: { variables } });
    expect(expressions.resolveExpression('${score > 5}', context({ score: 7 }))).toBe(true);
    expect(expressions.resolveExpression('${invoiceId != null}', context({ invoiceId: null }))).toBe(false);
    expect(expressions.resolveExpression("${clarified == 'yes'}", context({ clarified: 'yes' }))).toBe(true);
    expect(expressions.resolveExpression("Hello ${gender == 'male' ? 'Mr.' : 'Mrs.'} ${name}", context({ gender: 'female', name: 'Curie' }))).toBe('Hello Mrs. Curie');
    expect(expressions.resolveExpression('= some risk in riskLevels satisfies risk = "red"', context({ riskLevels: ['green', 'red'] }))).toBe(true);
    expect(expressions.resolveExpression('= if result != null then result.riskLevel else ["green"]', context({ result: null }))).toEqual(['green']);
  });

  describe('runs corpus processes exactly as bpmn-elements’ default expressions do', () => {
    const services = {
      serviceFn: (_scope: unknown, next: (err: unknown, result?: unknown) => void) => next(null, 1),
      isAbove: (limit: number, value: number) => value > limit,
    };

    async function drive(source: string, expressions?: Expressions): Promise<string[]> {
      const engine = new Engine({ name: 'corpus', source, moddleOptions: { camunda }, services, ...(expressions && { expressions }) });
      const ended: string[] = [];
      const listener = new EventEmitter();
      listener.on('activity.end', (api: any) => ended.push(api.id));
      listener.on('activity.wait', (api: any) => api.signal({ form: { amount: 20 } }));
      const end = engine.waitFor('end');
      await engine.execute({ listener });
      await end;
      return ended;
    }

    it.each([
      'bpmn-elements/join-inbound.bpmn',
      'bpmn-elements/nested-joins.bpmn',
      'bpmn-elements/escalation.bpmn',
      'bpmn-elements/engine-issue-180-message.bpmn',
      'bpmn-engine/mother-of-all.bpmn',
      'camunda-bpm-examples/invoicePayment.bpmn',
    ])('%s', async (file) => {
      // given a corpus process with conditions and service expressions
      const source = readFileSync(join(CORPUS, file), 'utf8');
      // when it runs with the default expressions and with Gemba's
      const reference = await drive(source);
      const ours = await drive(source, expressions);
      // then the same activities end in the same order
      expect(ours).toEqual(reference);
      expect(ours.length).toBeGreaterThan(2);
    });
  });
});
