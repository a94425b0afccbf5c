import { z } from 'zod';
import { nodeIdSchema } from '../adapters/opcua/equipment-gateway';

// What the equipment monitor watches on one opcua connector (E02, E03): the PackML state, the
// cumulative counters, a process value and a setpoint, and the alarms of one event notifier;
// and which observations become BPMN messages. Node ids as the gateway takes them (prefer the
// `nsu=` form: namespace indices may change when the server restarts).

/** The roles a watched node can have; the API shows the equipment's readings by these names. */
export const READING_ROLES = ['state', 'processed', 'defective', 'temperature', 'setpoint'] as const;
export type ReadingRole = (typeof READING_ROLES)[number];

const messageName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, 'a BPMN message name: letters, digits, "_", ".", ":" or "-"');

export const monitoringConfigSchema = z
  .object({
    nodes: z
      .object({
        /** PackML StateCurrent (a state name such as Execute, Held, Aborted). */
        state: nodeIdSchema.optional(),
        /** PackML ProdProcessedCount (cumulative). */
        processed: nodeIdSchema.optional(),
        /** PackML ProdDefectiveCount (cumulative). */
        defective: nodeIdSchema.optional(),
        temperature: nodeIdSchema.optional(),
        setpoint: nodeIdSchema.optional(),
      })
      .strict()
      .refine((nodes) => Object.values(nodes).some(Boolean), { message: 'watch at least one node' }),
    /** The event notifier whose alarms (A&C) are watched, e.g. the machine object; none: no alarms. */
    alarmSource: nodeIdSchema.optional(),
    /** State name → message, e.g. `{ "Held": "EquipmentAlarm" }`. */
    stateMessages: z.record(z.string().min(1).max(64), messageName).default({ Held: 'EquipmentAlarm', Aborted: 'EquipmentAlarm' }),
    /** The message an active alarm sends (at or above `alarmMinSeverity`); null: none. */
    alarmMessage: messageName.nullable().default('EquipmentAlarm'),
    alarmMinSeverity: z.number().int().min(0).max(1000).default(0),
    /** The correlation key of the messages (and business key of what they start); default the equipment id. */
    correlationKey: z.string().min(1).max(200).optional(),
    samplingMs: z.number().int().min(0).max(3_600_000).default(250),
  })
  .strict();

export type MonitoringConfig = z.output<typeof monitoringConfigSchema>;
export type MonitoringConfigInput = z.input<typeof monitoringConfigSchema>;
