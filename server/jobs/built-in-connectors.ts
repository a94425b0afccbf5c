import type { CommandContext } from '../commands/run-command';
import type { EngineRuntime } from '../runtime/engine-runtime';

/**
 * A connector operation implemented inside Gemba. It does no network I/O, so it runs inside the
 * transaction that reports its job's result: its writes (genealogy, holds, a started instance)
 * and the engine event that follows commit together, or not at all.
 */
export type BuiltInOperation = (
  ctx: CommandContext,
  call: {
    variables: Record<string, unknown>;
    jobId: string;
    instanceId: string | null;
    key: string | null;
    businessKey: string | null;
    engine: EngineRuntime;
  },
) => Promise<Record<string, unknown>>;

export type BuiltInConnectors = Map<string, Map<string, BuiltInOperation>>;

/** A BPMN error raised by a built-in operation (e.g. LOT_ON_HOLD); error boundary events catch it. */
export class BuiltInBpmnError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuiltInBpmnError';
  }
}

/** A built-in call that cannot succeed as asked (unknown operation, missing input): an incident. */
export class BuiltInFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuiltInFailure';
  }
}

/** The connectors every node has without registration. `echo` answers with the variables it was given. */
export function createBuiltInConnectors(extra: Array<[string, Map<string, BuiltInOperation>]> = []): BuiltInConnectors {
  return new Map<string, Map<string, BuiltInOperation>>([['echo', new Map([['*', async (_ctx, { variables }) => ({ ...variables })]])], ...extra]);
}

/** The operation a built-in connector offers under this name, or undefined when the connector is not built in. */
export function findBuiltIn(builtIns: BuiltInConnectors, connector: string, operation: string): BuiltInOperation | undefined | null {
  const operations = builtIns.get(connector);
  if (!operations) return undefined;
  return operations.get(operation) ?? operations.get('*') ?? null;
}
