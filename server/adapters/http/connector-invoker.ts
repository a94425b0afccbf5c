/**
 * The entry point the job system uses: given a service task's target (connector name and
 * operation), load the registered connector, reveal its secrets, and call it through the right
 * implementation. Loading happens per call (one indexed read, outside any transaction), so an
 * administrator's change applies to the next job.
 */
import { SecretBoxError, type SecretBox } from '../../lib/secret-box';
import type { ConnectorConfig, ConnectorKind, HttpConnectorConfig, OpcuaConnectorConfig } from './connector-config';
import { ConnectorFailedError, type ConnectorPort, type ConnectorResult, type ConnectorTarget } from './connector-port';
import { revealConnectorConfig, SecretPlaceholderError } from './connector-secrets';
import type { HttpConnector } from './http-connector';

/** A connector as the registry stores it (see server/repos/connectors.repo.ts). */
export type StoredConnector = {
  id: string;
  name: string;
  kind: ConnectorKind;
  status: 'active' | 'disabled';
  config: ConnectorConfig;
  secrets: string | null;
};

/** What {@link createConnectorInvoker} needs. */
export type ConnectorInvokerOptions = {
  /** Reads a connector by its exact name, e.g. `(name) => findConnectorByName(db, name)`. */
  findConnector(name: string): Promise<StoredConnector | undefined>;
  /** The box that opens connector secrets (a function, so the key is read only when needed). */
  secretBox(): SecretBox;
  http: HttpConnector;
  /** The OPC UA implementation, when equipment operations run through this invoker. */
  opcua?: ConnectorPort<OpcuaConnectorConfig>;
};

/** One call of a service task. */
export type TargetInvocation = {
  target: ConnectorTarget;
  variables: Record<string, unknown>;
  /** The job id, the same on every retry. */
  idempotencyKey: string;
  signal?: AbortSignal;
};

/** Calls registered connectors by name. */
export type ConnectorInvoker = {
  /**
   * @throws ConnectorFailedError (`unknown_connector`, `disabled`, `configuration`) before any call;
   * otherwise whatever the implementation throws: ConnectorBpmnError, ConnectorRetryableError, ConnectorFailedError.
   */
  invoke(call: TargetInvocation): Promise<ConnectorResult>;
};

/** Creates the invoker the job system calls for connector-bound service tasks. */
export function createConnectorInvoker(options: ConnectorInvokerOptions): ConnectorInvoker {
  return {
    async invoke({ target, variables, idempotencyKey, signal }) {
      const { connector: name, operation } = target;
      const failed = (reason: 'unknown_connector' | 'disabled' | 'configuration', message: string, cause?: unknown) =>
        new ConnectorFailedError(reason, `${name}.${operation}: ${message}`, name, operation, { cause });

      const stored = await options.findConnector(name);
      if (!stored) throw failed('unknown_connector', `no connector named "${name}" is registered`);
      if (stored.status !== 'active') throw failed('disabled', `the connector "${name}" is disabled`);

      let config: ConnectorConfig;
      try {
        config = revealConnectorConfig(options.secretBox(), stored);
      } catch (error) {
        if (error instanceof SecretBoxError || error instanceof SecretPlaceholderError) {
          throw failed('configuration', `the connector's secrets cannot be opened (${error.message}); enter them again`, error);
        }
        throw error;
      }

      if (stored.kind === 'http') {
        return options.http.invoke({ connector: { name, config: config as HttpConnectorConfig }, operation, variables, idempotencyKey, signal });
      }
      if (!options.opcua) throw failed('configuration', 'OPC UA connectors are not served by this invoker');
      return options.opcua.invoke({ connector: { name, config: config as OpcuaConnectorConfig }, operation, variables, idempotencyKey, signal });
    },
  };
}
