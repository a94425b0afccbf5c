import { z } from 'zod';
import { monitoringConfigSchema } from '../../equipment/monitoring-config';
import { reason } from './common.schema';

// Schemas of the equipment routes: the live state of each registered opcua connector's equipment.

/** An equipment id is the name of its opcua connector. */
export const equipmentParams = z.object({ id: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'an equipment id is the name of an opcua connector') }).strict();

const reading = z.object({ value: z.unknown(), statusCode: z.string(), sourceTimestamp: z.string().nullable() }).nullable();

export const equipmentSchema = z
  .object({
    id: z.string(),
    description: z.string().nullable(),
    connectorStatus: z.enum(['active', 'disabled']),
    endpointUrl: z.string(),
    securityMode: z.string(),
    monitored: z.boolean(),
    connection: z.object({ status: z.enum(['unknown', 'connected', 'disconnected', 'unreachable']), changedAt: z.string().nullable(), observedBy: z.string().nullable() }),
    state: reading.describe('PackML StateCurrent'),
    counters: z.object({ processed: z.number().nullable(), defective: z.number().nullable(), sourceTimestamp: z.string().nullable() }).nullable(),
    temperature: reading,
    setpoint: reading,
    alarm: z
      .object({ conditionId: z.string().nullable(), conditionName: z.string().nullable(), active: z.boolean().nullable(), acked: z.boolean().nullable(), severity: z.number().nullable(), message: z.string().nullable(), time: z.string().nullable() })
      .nullable(),
    lastSampleAt: z.string().nullable(),
  })
  .meta({ id: 'Equipment' });

export const equipmentDetailSchema = equipmentSchema
  .extend({
    monitoring: monitoringConfigSchema.nullable(),
    recentGaps: z.array(z.object({ from: z.string(), to: z.string(), nodeId: z.string(), recordedAt: z.string() })).describe('Connection gaps (E02): changes in between were not observed'),
  })
  .meta({ id: 'EquipmentDetail' });

export const monitoringBody = monitoringConfigSchema.extend({ reason }).strict().meta({ id: 'EquipmentMonitoringRequest' });

/** A condition id is the OPC UA node id of the condition (URL-encoded in the path). */
export const conditionParams = z.object({ id: equipmentParams.shape.id, conditionId: z.string().min(3).max(4096) }).strict();

export const conditionSchema = z
  .object({
    conditionId: z.string(),
    conditionName: z.string().nullable(),
    eventId: z.string().nullable().describe('EventId of the latest event, hex: what Acknowledge and Confirm answer to'),
    active: z.boolean().nullable(),
    acked: z.boolean().nullable(),
    confirmed: z.boolean().nullable(),
    retain: z.boolean().nullable(),
    severity: z.number().nullable(),
    message: z.string().nullable(),
    time: z.string().nullable(),
    recordedAt: z.string(),
  })
  .meta({ id: 'EquipmentCondition' });

export const conditionActionBody = z
  .object({ comment: z.string().trim().min(1, 'a comment is required').max(2000), reason: reason.optional() })
  .strict()
  .meta({ id: 'EquipmentConditionActionRequest' });

export const conditionActionResult = z
  .object({ equipmentId: z.string(), conditionId: z.string(), action: z.enum(['acknowledge', 'confirm', 'comment']), statusCode: z.string() })
  .meta({ id: 'EquipmentConditionActionResult' });

export const certificateParams = z.object({ thumbprint: z.string().regex(/^[0-9a-fA-F]{40}$/, 'a SHA-1 thumbprint: 40 hex digits') }).strict();

export const serverCertificateSchema = z
  .object({
    thumbprint: z.string().describe('SHA-1 of the DER, lower-case hex'),
    status: z.enum(['trusted', 'rejected']),
    subject: z.string(),
    issuer: z.string(),
    validFrom: z.string(),
    validTo: z.string(),
  })
  .meta({ id: 'EquipmentServerCertificate' });
