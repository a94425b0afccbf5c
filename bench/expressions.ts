// Evaluation cost of Gemba's safe expressions, next to bpmn-elements' default (property paths
// only). Run: npx tsx bench/expressions.ts   (about 10 s on one core)
import { Environment } from 'bpmn-elements';
import { compileExpression, loadExpressions, loadFeel } from '../server/expressions';

const DURATION_MS = 700;

function measure(name: string, fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn();
  let ops = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < DURATION_MS) {
    for (let i = 0; i < 500; i++) fn();
    ops += 500;
    elapsed = performance.now() - started;
  }
  const perSecond = (ops / elapsed) * 1000;
  console.log(`${name.padEnd(62)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} ops/s  ${((elapsed * 1000) / ops).toFixed(2).padStart(7)} µs/op`);
  return perSecond;
}

async function main(): Promise<void> {
  const expressions = await loadExpressions();
  const feel = await loadFeel();
  const variables = { amount: 2000, approved: true, comment: 'ok', order: { total: 12, lines: [1, 2, 3] }, customer: { vip: true }, invoiceNumber: 'INV-7' };
  const environment = new Environment({ variables, expressions, services: { isAbove: (limit: number, value: number) => value > limit } });
  const message = { fields: {}, content: { id: 'flow', output: { y: 3 } }, properties: {} };
  const context = { environment, ...message };
  // An Environment created without the option carries bpmn-elements' default Expressions.
  const defaults = new Environment({ variables }).expressions;

  console.log(`node ${process.version}, ${DURATION_MS} ms per case\n`);
  console.log('cached evaluation through resolveExpression (what the engine does per instance)');
  const cases = [
    '${amount > 1000}',
    '${approved}',
    '${!empty comment}',
    '${order.total >= 10 and customer.vip}',
    '${environment.variables.amount}',
    '${content.output.y}',
    "${order.lines.size() > 2 ? 'many' : 'few'}",
    '${environment.services.isAbove(10, amount)}',
    'Invoice ${invoiceNumber} received',
    '=amount > 1000',
    '=order.total >= 10 and customer.vip',
    'PT1M (plain text, no expression)',
  ];
  for (const text of cases) {
    const source = text === 'PT1M (plain text, no expression)' ? 'PT1M' : text;
    measure(`  ${text}`, () => expressions.resolveExpression(source, context));
  }

  console.log('\nbpmn-elements default Expressions (property paths only, no operators)');
  measure('  ${environment.variables.amount}', () => defaults.resolveExpression('${environment.variables.amount}', context));
  measure('  ${content.output.y}', () => defaults.resolveExpression('${content.output.y}', context));
  measure('  Invoice ${environment.variables.invoiceNumber} received', () => defaults.resolveExpression('Invoice ${environment.variables.invoiceNumber} received', context));

  console.log('\nthrough bpmn-elements Environment.resolveExpression (adds the message spread)');
  measure('  ${amount > 1000}', () => environment.resolveExpression('${amount > 1000}', message));

  console.log('\ncompiling without the cache (parse cost per distinct text)');
  measure('  ${amount > 1000}', () => compileExpression('${amount > 1000}'));
  measure('  ${order.total >= 10 and customer.vip}', () => compileExpression('${order.total >= 10 and customer.vip}'));
  measure('  =amount > 1000 (static checks with the lezer parse)', () => compileExpression('=amount > 1000', { feel }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
