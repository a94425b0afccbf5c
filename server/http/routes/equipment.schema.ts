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
