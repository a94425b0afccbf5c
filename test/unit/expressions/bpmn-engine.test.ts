import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json';
import type { Expressions } from '../../../server/expressions';
import { ExpressionError, loadExpressions } from '../../../server/expressions';

const definitions = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://gemba.test/expressions">
  <process id="p" isExecutable="true">${body}</process>
</definitions>`;

const gateway = (condition: string, extra = '') =>
  definitions(`
    <startEvent id="start" />
    <sequenceFlow id="toTask" sourceRef="start" targetRef="task" />
    <task id="task">${extra}</task>
    <sequenceFlow id="toGateway" sourceRef="task" targetRef="gateway" />
    <exclusiveGateway id="gateway" default="toLow" />
    <sequenceFlow id="toHigh" sourceRef="gateway" targetRef="high">
      <conditionExpression xsi:type="tFormalExpression">${condition}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toLow" sourceRef="gateway" targetRef="low" />
    <endEvent id="high" />
    <endEvent id="low" />`);

/**
 * A minimal camunda:inputOutput extension, as the engine host will have one: inputs are resolved
 * with the activity's message when it starts, outputs become process variables when it ends.
 * Both go through environment.resolveExpression, that is, through our expressions.
 */
function camundaInputOutput(inputs: Record<string, unknown>) {
  return (activity: any) => {
    const io = activity.behaviour.extensionElements?.values?.find((value: any) => value.$type === 'camunda:InputOutput');
    return {
      activate(message: any) {
        if (!io) return;
        inputs[activity.id] = Object.fromEntries((io.inputParameters ?? []).map((p: any) => [p.name, activity.environment.resolveExpression(p.value, message)]));
        activity.broker.subscribeTmp(
          'event',
          'activity.end',
          (_routingKey: string, endMessage: any) => {
            for (const p of io.outputParameters ?? []) activity.environment.variables[p.name] = activity.environment.resolveExpression(p.value, endMessage);
          },
          { noAck: true, consumerTag: '_test-io' },
        );
      },
      deactivate() {
        activity.broker.cancel('_test-io');
      },
    };
  };
}

type Run = { ended: string[]; timers: any[]; waits: any[]; inputs: Record<string, unknown>; engine: Engine };

async function run(expressions: Expressions, source: string, variables: Record<string, unknown>, services: Record<string, CallableFunction> = {}): Promise<Run> {
  const inputs: Record<string, unknown> = {};
  const engine = new Engine({
    name: 'expressions test',
    source,
    moddleOptions: { camunda },
    expressions,
    services,
    extensions: { camundaInputOutput: camundaInputOutput(inputs) },
  });
  const result: Run = { ended: [], timers: [], waits: [], inputs, engine };
  const listener = new EventEmitter();
  listener.on('activity.end', (api: any) => result.ended.push(api.id));
  listener.on('activity.timer', (api: any) => result.timers.push(api.content));
  listener.on('activity.wait', (api: any) => {
    result.waits.push(api.content);
    api.signal();
  });
  const ended = engine.waitFor('end');
  await engine.execute({ listener, variables });
  await ended;
  return result;
}

/** Runs a process that must fail and returns the error the engine emits. */
async function failure(expressions: Expressions, source: string, variables: Record<string, unknown>): Promise<any> {
  const engine = new Engine({ name: 'failing', source, moddleOptions: { camunda }, expressions });
  const failed = new Promise((resolve) => engine.once('error', resolve));
  await engine.execute({ variables }).catch(() => undefined);
  return failed;
}

describe('bpmn-engine with Gemba expressions', () => {
  let expressions: Expressions;
  beforeAll(async () => {
    expressions = await loadExpressions();
  });

  describe('exclusive gateway conditions', () => {
    it.each([
      ['${amount > 1000}', 2000, 'high'],
      ['${amount > 1000}', 500, 'low'],
      ['${amount gt 1000 and !empty customer}', 2000, 'high'],
      ['${environment.variables.amount >= 2000}', 2000, 'high'],
      ['=amount > 1000', 2000, 'high'],
      ['= amount > 1000', 999, 'low'],
      ['=amount > 1000 and customer != null', 1500, 'high'],
    ])('%s with amount %i takes the %s branch', async (condition, amount, branch) => {
      // given a process whose gateway has a condition and a default flow
      const source = gateway(condition.replace('>', '&gt;'));
      // when it runs with the amount
      const { ended } = await run(expressions, source, { amount, customer: 'ACME' });
      // then exactly the expected end event is reached
      expect(ended).toContain(branch);
      expect(ended).not.toContain(branch === 'high' ? 'low' : 'high');
    });
  });

  it('evaluates camunda:inputOutput mappings with the evaluator, and a later condition sees the output', async () => {
    // given a task mapping an input and an output, and a gateway testing the output
    const io = `<extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="doubled">\${amount * 2}</camunda:inputParameter>
        <camunda:inputParameter name="label">Order \${orderId} for \${amount} EUR</camunda:inputParameter>
        <camunda:inputParameter name="viaFeel">=amount + 1</camunda:inputParameter>
        <camunda:outputParameter name="big">\${amount &gt; 1000}</camunda:outputParameter>
      </camunda:inputOutput></extensionElements>`;
    // when it runs
    const result = await run(expressions, gateway('${big}', io), { amount: 1500, orderId: 'SO-9' });
    // then the inputs were computed, and the output steered the gateway (an unset ${big} would
    // have failed the run with an unknown property)
    expect(result.inputs.task).toEqual({ doubled: 3000, label: 'Order SO-9 for 1500 EUR', viaFeel: 1501 });
    expect(result.ended).toContain('high');
    expect(result.ended).not.toContain('low');
  });

  it('resolves timer durations from JUEL and FEEL', async () => {
    // given two timers, one from a variable and one from FEEL
    const source = definitions(`
      <startEvent id="start" />
      <sequenceFlow id="f1" sourceRef="start" targetRef="wait1" />
      <intermediateCatchEvent id="wait1"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">\${wait}</timeDuration></timerEventDefinition></intermediateCatchEvent>
      <sequenceFlow id="f2" sourceRef="wait1" targetRef="wait2" />
      <intermediateCatchEvent id="wait2"><timerEventDefinition><timeDuration xsi:type="tFormalExpression">=duration("PT0.01S")</timeDuration></timerEventDefinition></intermediateCatchEvent>
      <sequenceFlow id="f3" sourceRef="wait2" targetRef="end" />
      <endEvent id="end" />`);
    // when it runs
    const { timers, ended } = await run(expressions, source, { wait: 'PT0.01S' });
    // then both durations were resolved and both timers fired
    expect(timers.map((t) => t.timeDuration)).toEqual(['PT0.01S', 'PT0.01S']);
    expect(ended).toEqual(expect.arrayContaining(['wait1', 'wait2', 'end']));
  });

  it('iterates a multi-instance collection and a cardinality from expressions', async () => {
    const source = definitions(`
      <startEvent id="start" />
      <sequenceFlow id="f1" sourceRef="start" targetRef="each" />
      <userTask id="each"><multiInstanceLoopCharacteristics isSequential="true" camunda:collection="\${order.lines}" camunda:elementVariable="line" /></userTask>
      <sequenceFlow id="f2" sourceRef="each" targetRef="times" />
      <userTask id="times"><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>\${copies + 1}</loopCardinality></multiInstanceLoopCharacteristics></userTask>
      <sequenceFlow id="f3" sourceRef="times" targetRef="end" />
      <endEvent id="end" />`);
    const { waits, ended } = await run(expressions, source, { order: { lines: ['A', 'B', 'C'] }, copies: 1 });
    expect(waits.filter((w) => w.id === 'each').map((w) => w.line)).toEqual(['A', 'B', 'C']);
    expect(waits.filter((w) => w.id === 'times')).toHaveLength(2);
    expect(ended).toContain('end');
  });

  it('calls a service task implementation named by environment.services.*', async () => {
    // given a service task whose implementation is an expression naming a service
    const calls: string[] = [];
    const source = definitions(`
      <startEvent id="start" />
      <sequenceFlow id="f1" sourceRef="start" targetRef="svc" />
      <serviceTask id="svc" implementation="\${environment.services.postInvoice}" />
      <sequenceFlow id="f2" sourceRef="svc" targetRef="end" />
      <endEvent id="end" />`);
    const postInvoice = (scope: any, next: (err: unknown, result?: unknown) => void) => {
      calls.push(scope.content.id);
      next(null, { ok: true });
    };
    // when it runs
    const { ended } = await run(expressions, source, {}, { postInvoice });
    // then the service was resolved, called and the process went on
    expect(calls).toEqual(['svc']);
    expect(ended).toContain('end');
  });

  it('fails the run with an ExpressionError naming the expression, for the host to raise an incident', async () => {
    // given a condition with a misspelt variable
    const source = gateway('${amont &gt; 1000}');
    // when it runs
    const error = await failure(expressions, source, { amount: 2000 });
    // then the engine reports an error carrying our ExpressionError
    const cause = error.inner;
    expect(cause).toBeInstanceOf(ExpressionError);
    expect(cause).toMatchObject({ expression: '${amont > 1000}', kind: 'unknown_property', position: 2 });
    // bpmn-elements wraps it in an ActivityError that names the element that evaluated it
    expect(error).toMatchObject({ type: 'ActivityError', name: 'ExpressionError', inner: cause, source: { content: { id: 'gateway' } } });
  });

  it('fails the run on a FEEL error too', async () => {
    const error = await failure(expressions, gateway('=amont &gt; 1000'), { amount: 2000 });
    expect(error.inner).toBeInstanceOf(ExpressionError);
    expect(error.inner).toMatchObject({ expression: '=amont > 1000', kind: 'unknown_property' });
  });
});
