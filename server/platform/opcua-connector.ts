import type { OpcuaConnectorConfig } from '../adapters/http/connector-config';
import { toEquipmentEndpoint } from '../adapters/http/connector-config';
import { ConnectorBpmnError, ConnectorFailedError, ConnectorRetryableError, type ConnectorInvocation, type ConnectorPort, type ConnectorResult } from '../adapters/http/connector-port';
import { renderJson, TemplateError, type JsonValue } from '../adapters/http/template';
import { EquipmentBpmnError, type EquipmentGateway } from '../adapters/opcua/equipment-gateway';
import type { OpcUaGatewayOptions, createOpcUaGateway as CreateOpcUaGateway } from '../adapters/opcua/opcua-gateway';
import { EquipmentTimeoutError, EquipmentUnavailableError, ValidationError } from '../errors/app-error';
import type { Logger } from '../lib/logger';

// The OPC UA connector kind for the job system (E05): each registered `opcua` connector is one
// endpoint, and its operations are reads, bounded writes and method calls of the connector's
// configuration, e.g. `readMachineState`, `startJobOrder`, `getJobResult` of the cell simulator.
// The job id goes to the equipment as the idempotency context; non-Good statuses of calls become
// BPMN errors named after the status (`BadInvalidState`).

type GatewayFactory = (options: OpcUaGatewayOptions) => EquipmentGateway;

/** Who signs for a write (E04), with context for its audit entry. */
export type WriteSigner = { signer: string; signerType: 'user' | 'service' | 'system'; printedName: string | null; context?: Record<string, unknown> };

/** One verified (or not verified) write, as the audit trail records it. */
export type AuditedWrite = {
  connector: string;
  operation: string;
  jobId: string;
  nodeId: string;
  limits: { min?: number; max?: number };
  oldValue: unknown;
  oldStatusCode: string;
  newValue: unknown;
  readBack: unknown;
  readBackStatusCode: string;
  verified: boolean;
  writtenAt: Date;
  signer: WriteSigner;
};

/** The audit of writes (server/equipment/write-audit.ts); both calls touch only the database. */
export interface EquipmentWriteAudit {
  /** Who authorised the write of this job. */
  signerFor(jobId: string): Promise<WriteSigner>;
  /** Records the write; when it fails, the job is retried (the same value is written again and audited). */
  record(write: AuditedWrite): Promise<void>;
}

export type OpcuaConnectorOptions = {
  /** The client's certificate stores (own/, trusted/, rejected/). */
  pkiDir: string;
  logger?: Logger;
  /** Accept unknown server certificates (development and tests only). */
  trustUnknownServerCertificates?: boolean;
  /** Creates the gateway of one connector; default node-opcua's, loaded on first use. */
  createGateway?: GatewayFactory;
  /** Signs and audits writes (E04); without it, a write operation is refused as a configuration fault. */
  writeAudit?: EquipmentWriteAudit;
};

/** A value the job system can store as a variable: dates as ISO text, 64-bit integers as numbers. */
function toVariable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  // node-opcua lives in another realm under jest: no instanceof Date on its values.
  if (typeof value === 'object' && typeof (value as { toISOString?: unknown }).toISOString === 'function') return (value as Date).toISOString();
  if (Array.isArray(value)) return value.map(toVariable);
  return value;
}

/**
 * Creates the OPC UA connector port: one gateway (session) per connector, opened on first call and
 * replaced when the connector's endpoint configuration changes.
 */
export function createOpcuaConnector(options: OpcuaConnectorOptions): ConnectorPort<OpcuaConnectorConfig> & {
  /** The connector's gateway (its one session), for the equipment monitor; config with secrets revealed. */
  gateway(name: string, config: OpcuaConnectorConfig): Promise<EquipmentGateway>;
  close(): Promise<void>;
} {
  const gateways = new Map<string, { key: string; gateway: EquipmentGateway }>();
  const factory: GatewayFactory =
    options.createGateway ??
    ((gatewayOptions) => {
      // Loaded on first use: node-opcua takes seconds to load, and a node without equipment never needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createOpcUaGateway } = require('../adapters/opcua/opcua-gateway') as { createOpcUaGateway: typeof CreateOpcUaGateway };
      return createOpcUaGateway(gatewayOptions);
    });

  async function gatewayFor(name: string, config: OpcuaConnectorConfig): Promise<EquipmentGateway> {
    const endpoint = toEquipmentEndpoint(name, config);
    const key = JSON.stringify(endpoint);
    const known = gateways.get(name);
    if (known && known.key === key) return known.gateway;
    if (known) await known.gateway.close().catch(() => undefined);
    const gateway = factory({ endpoints: [endpoint], pkiDir: options.pkiDir, logger: options.logger, trustUnknownServerCertificates: options.trustUnknownServerCertificates });
    gateways.set(name, { key, gateway });
    return gateway;
  }

  return {
    async invoke({ connector, operation, variables, idempotencyKey }: ConnectorInvocation<OpcuaConnectorConfig>): Promise<ConnectorResult> {
      const { name, config } = connector;
      const op = config.operations[operation];
      if (!op) throw new ConnectorFailedError('unknown_operation', `${name}.${operation}: the connector has no such operation`, name, operation);
      const started = Date.now();
      try {
        const gateway = await gatewayFor(name, config);
        let output: Record<string, unknown>;
        if (op.type === 'read') {
          const read = await gateway.read(name, op.nodeId);
          if (!read.good) throw new EquipmentBpmnError(read.statusCode, `${op.nodeId} read with status ${read.statusCode}`, { endpoint: name, nodeId: op.nodeId, statusCode: read.statusCode });
          output = { [op.outputVariable ?? operation]: toVariable(read.value) };
        } else if (op.type === 'call') {
          const args = op.inputArguments.map((argument) => renderJson(argument as JsonValue, variables));
          const result = await gateway.call(name, op.objectId, op.methodId, args, { jobId: idempotencyKey });
          output = Object.fromEntries(
            Object.entries(op.outputMapping ?? {}).map(([variable, ref]) => [variable, toVariable(typeof ref === 'number' ? result.outputs[ref] : result.outputsByName[ref])]),
          );
        } else {
          if (!options.writeAudit) throw new ConnectorFailedError('configuration', `${name}.${operation}: writes need an audit trail, and this node has none`, name, operation);
          const value = renderJson(op.value as JsonValue, variables);
          // Looked up before the write (database only): the signer goes to the equipment request and the audit entry.
          const signer = await options.writeAudit.signerFor(idempotencyKey);
          const written = await gateway.write(name, op.nodeId, value, op.limits ?? {}, { jobId: idempotencyKey, signer: signer.signer });
          try {
            await options.writeAudit.record({
              connector: name,
              operation,
              jobId: idempotencyKey,
              nodeId: op.nodeId,
              limits: op.limits ?? {},
              oldValue: toVariable(written.oldValue.value),
              oldStatusCode: written.oldValue.statusCode,
              newValue: toVariable(written.newValue),
              readBack: toVariable(written.readBack.value),
              readBackStatusCode: written.readBack.statusCode,
              verified: written.verified,
              writtenAt: new Date(written.writtenAt.getTime()),
              signer,
            });
          } catch (error) {
            throw new ConnectorRetryableError('network', `${name}.${operation}: written, but the audit entry was not recorded (${error instanceof Error ? error.message : String(error)}); the write is repeated`, name, operation, { cause: error });
          }
          if (!written.verified) throw new ConnectorFailedError('response', `${name}.${operation}: the value read back (${String(written.readBack.value)}) is not the value written`, name, operation);
          output = { [operation]: toVariable(written.newValue), oldValue: toVariable(written.oldValue.value), readBack: toVariable(written.readBack.value) };
        }
        return { output, status: 200, durationMs: Date.now() - started };
      } catch (error) {
        if (error instanceof ConnectorBpmnError || error instanceof ConnectorFailedError || error instanceof ConnectorRetryableError) throw error;
        if (error instanceof EquipmentBpmnError) throw new ConnectorBpmnError(error.code, `${name}.${operation}: ${error.message}`, name, operation, 0, error.details);
        if (error instanceof EquipmentTimeoutError) throw new ConnectorRetryableError('timeout', `${name}.${operation}: ${error.message}`, name, operation, { cause: error });
        if (error instanceof EquipmentUnavailableError) throw new ConnectorRetryableError('network', `${name}.${operation}: ${error.message}`, name, operation, { cause: error });
        if (error instanceof TemplateError) throw new ConnectorFailedError('template', `${name}.${operation}: ${error.message}`, name, operation, { cause: error });
        if (error instanceof ValidationError) throw new ConnectorFailedError('configuration', `${name}.${operation}: ${error.message}`, name, operation, { cause: error });
        throw new ConnectorFailedError('response', `${name}.${operation}: ${error instanceof Error ? error.message : String(error)}`, name, operation, { cause: error });
      }
    },
    gateway: gatewayFor,
    async close() {
      const all = [...gateways.values()];
      gateways.clear();
      await Promise.all(all.map((g) => g.gateway.close().catch(() => undefined)));
    },
  };
}
