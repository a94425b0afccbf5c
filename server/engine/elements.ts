// The narrow surface of bpmn-elements (and its smqp broker) that the host drives. bpmn-elements
// ships its own typings, but they describe the public API only; the host also relies on a few
// documented-by-source internals (named here), so it types them itself in one place.
import * as BpmnElements from 'bpmn-elements';

/** A broker message as smqp hands it to consumers. */
export type BrokerMessage = {
  fields: { routingKey: string; redelivered?: boolean; consumerTag?: string; exchange?: string };
  content: Record<string, any>;
  properties: Record<string, any>;
  ack?(): void;
};

/** smqp broker, as far as the host uses it. */
export type Broker = {
  subscribeTmp(exchange: string, pattern: string, onMessage: (routingKey: string, message: BrokerMessage, owner: any) => void, options?: Record<string, unknown>): { queue?: { name: string }; queueName?: string };
  bindQueue(queueName: string, exchange: string, pattern: string, options?: Record<string, unknown>): unknown;
  getQueue(name: string): { messageCount: number } | undefined;
  cancel(consumerTag: string): void;
};

/** The API object bpmn-elements hands out for a running element (`getPostponed()`, events). */
export type ElementApi = {
  id: string;
  type: string;
  name?: string;
  executionId: string;
  content: Record<string, any>;
  owner: ElementInstance;
  environment: EnvironmentInstance;
  signal(message?: unknown, options?: Record<string, unknown>): void;
  discard(): void;
  fail(error: unknown): void;
  sendApiMessage(action: string, content?: Record<string, unknown>, options?: Record<string, unknown>): void;
  getPostponed?(): ElementApi[];
};

/** An activity or process instance inside a running definition. */
export type ElementInstance = {
  id: string;
  type: string;
  name?: string;
  status?: string;
  behaviour: Record<string, any>;
  environment: EnvironmentInstance;
  broker: Broker;
  isSubProcess?: boolean;
  isMultiInstance?: boolean;
  attachedTo?: ElementInstance;
  parent?: { id: string; type?: string; executionId?: string };
  getPostponed?(): ElementApi[];
  [key: symbol]: unknown;
};

/** bpmn-elements' Environment: variables, settings, services and expression resolution. */
export type EnvironmentInstance = {
  options: Record<string, any>;
  variables: Record<string, unknown>;
  output: Record<string, unknown>;
  settings: Record<string, unknown>;
  services: Record<string, unknown>;
  assignVariables(vars: Record<string, unknown>): void;
  resolveExpression(expression: string, message?: unknown, fnContext?: unknown): unknown;
};

/** A process of a running definition. */
export type ProcessInstance = ElementInstance & {
  executionId?: string;
  getPostponed(): ElementApi[];
};

/** bpmn-elements' Definition: the engine the host builds for each event. */
export type DefinitionInstance = {
  id: string;
  status?: string;
  stopped: boolean;
  broker: Broker;
  environment: EnvironmentInstance;
  run(): void;
  resume(): void;
  recover(state: unknown): void;
  getState(): Record<string, any>;
  getPostponed(): ElementApi[];
  getProcesses(): ProcessInstance[];
  getRunningProcesses(): ProcessInstance[];
  getActivityById(id: string): ElementInstance | null;
  sendMessage(message: Record<string, unknown>): void;
  signal(message: Record<string, unknown>): void;
  getApi(): ElementApi;
};

type Constructor<T> = new (...args: any[]) => T;

/** The bpmn-elements exports the host constructs directly. */
export const Elements = BpmnElements as unknown as Record<string, unknown> & {
  Definition: Constructor<DefinitionInstance>;
  Context: Constructor<unknown>;
  Environment: Constructor<EnvironmentInstance>;
};

/**
 * bpmn-elements keeps an activity's message formatter under this global symbol
 * (src/activity/Activity.js, `get formatter()`); the host installs a pass-through one.
 */
export const FORMATTER_SYMBOL = Symbol.for('formatter');
