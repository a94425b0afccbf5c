import type { ConnectorInvoker } from '../adapters/http/connector-invoker';
import type { CommandDeps } from '../commands/run-command';
import type { Config } from '../config';
import type { EngineRuntime } from '../runtime/engine-runtime';
import type { BuiltInConnectors } from './built-in-connectors';

/** What job handlers need: the command dependencies, the engine, the connectors, and who this node is. */
export type JobDeps = CommandDeps & {
  config: Config;
  engine: EngineRuntime;
  invoker: ConnectorInvoker;
  builtIns: BuiltInConnectors;
  /** This node's identity, written as the lease owner of the jobs it claims. */
  nodeId: string;
};
