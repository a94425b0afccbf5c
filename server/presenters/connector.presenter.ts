import { maskConnectorConfig, secretPointers } from '../adapters/http/connector-secrets';
import type { Connector } from '../repos/connectors.repo';

/**
 * The JSON of a connector: its configuration with every secret shown as "***" (send it back
 * unchanged to keep the secret), and the pointers of the secret fields that hold one. Never the
 * secrets, sealed or not.
 */
export function presentConnector(connector: Connector) {
  return {
    id: connector.id,
    name: connector.name,
    kind: connector.kind,
    description: connector.description,
    status: connector.status,
    config: maskConnectorConfig(connector.kind, connector.config) as unknown as Record<string, unknown>,
    secretFields: connector.secrets ? secretPointers(connector.kind, connector.config) : [],
    createdBy: connector.createdBy,
    createdAt: connector.createdAt.toISOString(),
    updatedBy: connector.updatedBy,
    updatedAt: connector.updatedAt.toISOString(),
    lastTest: connector.lastTest && connector.lastTestedAt ? { ...connector.lastTest, testedAt: connector.lastTestedAt.toISOString() } : null,
  };
}
