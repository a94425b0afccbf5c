import { z } from 'zod';
import { connectorNameSchema, httpConnectorConfigSchema, opcuaConnectorConfigSchema } from '../../adapters/http/connector-config';
import { reason } from './common.schema';

const description = z.string().max(500).nullable().optional();

export const createConnectorBody = z
  .discriminatedUnion('kind', [
    z.object({ name: connectorNameSchema, kind: z.literal('http'), description, config: httpConnectorConfigSchema, reason: reason.optional() }).strict(),
    z.object({ name: connectorNameSchema, kind: z.literal('opcua'), description, config: opcuaConnectorConfigSchema, reason: reason.optional() }).strict(),
  ])
  .meta({ id: 'CreateConnectorRequest' });

export const updateConnectorBody = z
  .object({
    description,
    status: z.enum(['active', 'disabled']).optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "The whole configuration of the connector's kind; a secret given as \"***\" keeps the stored one" }),
    reason,
  })
  .strict()
  .meta({ id: 'UpdateConnectorRequest' });

/** The test takes no input. */
export const testConnectorBody = z.object({}).strict().optional();

const testResultSchema = z
  .object({
    ok: z.boolean(),
    status: z.number().int().nullable(),
    durationMs: z.number(),
    message: z.string(),
    target: z.string(),
    testedAt: z.string(),
  })
  .meta({ id: 'ConnectorTestResult' });

export const connectorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['http', 'opcua']),
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled']),
    config: z.record(z.string(), z.unknown()).meta({ description: 'Secrets appear as "***"' }),
    secretFields: z.array(z.string()).meta({ description: 'JSON pointers of the configuration fields that hold a stored secret' }),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string(),
    lastTest: testResultSchema.nullable(),
  })
  .meta({ id: 'Connector' });

export const connectorTestSchema = z.object({ result: testResultSchema, connector: connectorSchema }).meta({ id: 'ConnectorTest' });
