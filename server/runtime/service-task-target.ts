import type { Knex } from 'knex';
import { resolveConnectorTarget, ConnectorTargetError } from '../adapters/http/connector-port';
import type { WaitingJob } from '../engine';
import type { JobKind } from '../repos/jobs.repo';
import { findConnectorByName } from '../repos/connectors.repo';

/** Connectors built into every node, needing no registration. */
export const BUILT_IN_CONNECTORS = new Set(['echo', 'gemba']);

/**
 * Decides who works a waiting service task: Gemba's own workers (`service`: a connector
 * operation, named by `gemba:connector`/`gemba:operation` or by a topic `connector.operation` of a
 * registered connector), or external workers (`external`: any other `camunda:topic`). A task bound
 * to nothing Gemba can call becomes a `service` job carrying the reason, which turns into an incident.
 */
export async function classifyServiceTask(trx: Knex.Transaction, wait: WaitingJob): Promise<{ kind: JobKind; payload: Record<string, unknown> }> {
  let target;
  try {
    target = resolveConnectorTarget({ gembaConnector: wait.connector, gembaOperation: wait.operation, camundaTopic: wait.topic });
  } catch (error) {
    if (error instanceof ConnectorTargetError) return { kind: 'service', payload: { bindingError: error.message } };
    throw error;
  }
  const equipment = wait.equipment || wait.equipmentNode ? { equipment: wait.equipment ?? null, equipmentNode: wait.equipmentNode ?? null } : {};
  if (target) {
    const builtIn = BUILT_IN_CONNECTORS.has(target.connector);
    const explicit = Boolean(wait.connector);
    if (builtIn || explicit || (await findConnectorByName(trx, target.connector))) {
      return { kind: 'service', payload: { connector: target.connector, operation: target.operation, ...equipment } };
    }
  }
  if (wait.topic) return { kind: 'external', payload: { topic: wait.topic } };
  return {
    kind: 'service',
    payload: { bindingError: wait.implementation ? `${wait.implementation} cannot run here; bind the task to a connector operation or an external topic` : 'the task names no connector operation and no topic' },
  };
}
