// Element behaviours the host puts in place of bpmn-elements' own (through the type resolver that
// compiles every version): timer event definitions that read the platform clock, Quartz cron and
// guarded ISO values, and an inclusive gateway that joins.
import * as Gateways from 'bpmn-elements/gateways';
import { Elements } from './elements';
import { firstExpiry } from './timer-schedule';
import type { TimerType } from './timer-schedule';

/** The environment option under which a run's clock travels to the timer event definitions. */
export const CLOCK_OPTION = 'gembaClock';

/** What a run tells its timers: the platform time and the zone cron expressions are read in. */
export type HostClock = { now: Date; timeZone?: string };

const kFlows = Symbol.for('flows');
const kMessageHandlers = Symbol.for('messageHandlers');

type Ctor = (this: any, ...args: any[]) => any;
const BaseTimer = (Elements as unknown as Record<string, Ctor & { prototype: any }>).TimerEventDefinition;

/**
 * bpmn-elements' TimerEventDefinition with its documented extension point `parse` replaced:
 * values are checked with the submit gate's checker before @0dep/piso sees them (piso loops
 * forever on `R/PT0S`), time cycles may be Quartz cron expressions, and the expiry is computed
 * on the platform clock, then handed to the engine as the same distance from the system clock.
 */
export function HostTimerEventDefinition(this: any, activity: unknown, eventDefinition: unknown) {
  BaseTimer.call(this, activity, eventDefinition);
}
HostTimerEventDefinition.prototype = Object.create(BaseTimer.prototype, { constructor: { value: HostTimerEventDefinition, writable: true, configurable: true } });
HostTimerEventDefinition.prototype.parse = function parse(this: { environment: { options: Record<string, unknown> } }, timerType: TimerType, value: unknown) {
  const clock = this.environment.options[CLOCK_OPTION] as HostClock | undefined;
  const now = clock?.now ?? new Date();
  const expiry = firstExpiry(timerType, String(value), now, { timeZone: clock?.timeZone });
  const systemNow = Date.now();
  const delay = expiry.expireAt.getTime() - now.getTime();
  return { expireAt: new Date(systemNow + delay), repeat: expiry.repeat, delay };
};

const BaseActivity = (Elements as unknown as Record<string, Ctor>).Activity;
const InclusiveGatewayBehaviour = (Gateways as unknown as Record<string, Ctor>).InclusiveGatewayBehaviour;

type FlowRef = { id: string; sourceId: string; targetId: string };
type ActivityRef = { id: string; parent?: { id?: string } };
type JoinContext = {
  getActivities(scopeId?: string): ActivityRef[];
  getActivityById(id: string): ActivityRef | undefined;
  getInboundSequenceFlows(id: string): FlowRef[];
  getOutboundSequenceFlows(id: string): FlowRef[];
};
type HostContext = { definitionContext: JoinContext };

const backEdgesCache = new WeakMap<object, Map<string, Map<string, Set<string>>>>();

/**
 * The loop-back flows of a scope (process or sub-process), by target: a depth-first walk from the
 * scope's elements without inbound flows marks a flow as looping back when its target is still
 * on the walk's path (the classic back edge of a reducible flow graph).
 */
function backEdgesOf(context: JoinContext, scopeId: string): Map<string, Set<string>> {
  let byScope = backEdgesCache.get(context);
  if (!byScope) backEdgesCache.set(context, (byScope = new Map()));
  const key = `scope:${scopeId}`;
  const cached = byScope.get(key);
  if (cached) return cached;
  const back = new Map<string, Set<string>>();
  const state = new Map<string, 1 | 2>();
  const activities = context.getActivities(scopeId) ?? [];
  const roots = activities.filter((a) => !(context.getInboundSequenceFlows(a.id) ?? []).length);
  for (const root of [...roots, ...activities]) {
    if (state.has(root.id)) continue;
    // Iterative depth-first walk: a model may be long enough to overflow a recursive one.
    const stack: Array<{ id: string; flows: FlowRef[]; next: number }> = [{ id: root.id, flows: context.getOutboundSequenceFlows(root.id) ?? [], next: 0 }];
    state.set(root.id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next >= top.flows.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const flow = top.flows[top.next++];
      const seen = state.get(flow.targetId);
      if (seen === 1) {
        if (!back.has(flow.targetId)) back.set(flow.targetId, new Set());
        back.get(flow.targetId)?.add(flow.sourceId);
      } else if (seen === undefined) {
        state.set(flow.targetId, 1);
        stack.push({ id: flow.targetId, flows: context.getOutboundSequenceFlows(flow.targetId) ?? [], next: 0 });
      }
    }
  }
  byScope.set(key, back);
  return back;
}

/** Sources of inbound flows that loop back to the gateway (from its own outputs) rather than come from upstream. */
export function loopBackSources(gatewayId: string, context: JoinContext): Set<string> {
  const scopeId = context.getActivityById(gatewayId)?.parent?.id;
  if (!scopeId) return new Set();
  return backEdgesOf(context, scopeId).get(gatewayId) ?? new Set();
}

/**
 * An inclusive gateway that joins. bpmn-elements lets every token through an inclusive gateway
 * (only parallel gateways join), so a merge after an inclusive split ran the rest of the process
 * once per branch, and in a loop the tokens multiplied at every pass until the stack overflowed.
 * Here, a gateway with several inbound flows waits, like bpmn-elements' parallel join, until each
 * upstream inbound flow was taken or discarded (a branch not taken upstream is discarded, so
 * this is the BPMN inclusive join for block-structured models). Inbound flows that loop back from
 * the gateway's own outputs are not waited for: a token arriving on one passes straight through.
 */
export function HostInclusiveGateway(activityDef: { id: string }, context: HostContext) {
  // The serialized context answers from memory (indexed-context.ts); the flow instances are not needed.
  const flows = context.definitionContext;
  const inbound = flows.getInboundSequenceFlows(activityDef.id) ?? [];
  const back = loopBackSources(activityDef.id, flows);
  const upstream = new Set(inbound.map((flow) => flow.sourceId).filter((source) => !back.has(source)));
  const joins = upstream.size > 1;
  const activity = new (BaseActivity as any)(InclusiveGatewayBehaviour, { ...activityDef, isParallelGateway: joins }, context);
  if (!joins) return activity;
  activity[kFlows].inboundSourceIds = upstream;
  if (back.size) {
    const handlers = activity[kMessageHandlers];
    const join = handlers.onInbound;
    const passThrough = activity._onInbound.bind(activity);
    handlers.onInbound = (routingKey: string, message: { content: { sourceId?: string } }) =>
      back.has(message.content.sourceId as string) ? passThrough(routingKey, message) : join(routingKey, message);
  }
  return activity;
}
