import { z } from 'zod';

// B2MML-shaped JSON (ISA-95 / MESA B2MML element names, as JSON) for the messages Gemba exchanges
// with the ERP. One work order is one ProductionRequest with its single produced material (the
// segment requirement flattened into the request: Gemba's release process works one segment).

/** The logical id Gemba signs its BODs with. */
export const GEMBA_LOGICAL_ID = 'gemba';

/** An identifier as systems exchange them: 1–128 printable characters. */
export const identifier = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .refine((text) => !/\p{Cc}/u.test(text), 'use printable characters only');

/** An ISO 8601 date and time with an offset (B2MML dateTime). */
export const dateTime = z.iso.datetime({ offset: true, message: 'give an ISO 8601 date and time with its offset, e.g. 2026-03-01T06:00:00Z' });

/** B2MML QuantityType: the value as text (or a number) and its unit of measure. */
export const quantitySchema = z
  .object({
    QuantityString: z.union([z.number().finite(), z.string().trim().regex(/^[+-]?\d+(\.\d+)?$/, 'a decimal number such as 120 or 12.5')]),
    UnitOfMeasure: z.string().trim().min(1).max(32),
    DataType: z.string().max(32).optional(),
  })
  .strict();

/** B2MML MaterialRequirement: what is made or used, how much, and which lots or serials. */
export const materialRequirementSchema = z
  .object({
    MaterialDefinitionID: identifier,
    Description: z.string().max(1000).optional(),
    Quantity: quantitySchema,
    MaterialLotID: z.array(identifier).max(1000).optional(),
    // Serial numbers of serialized units (B2MML models a serialized unit as a sublot).
    MaterialSubLotID: z.array(identifier).max(10_000).optional(),
  })
  .strict();

/** A B2MML parameter of the order; it becomes a start variable named by its ID. */
export const parameterSchema = z
  .object({
    ID: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a parameter ID becomes a variable name: letters, digits and _'),
    Value: z
      .object({
        ValueString: z.union([z.string().max(2000), z.number().finite(), z.boolean()]),
        DataType: z.enum(['string', 'integer', 'double', 'decimal', 'boolean', 'dateTime']).optional(),
        UnitOfMeasure: z.string().max(32).optional(),
      })
      .strict(),
  })
  .strict();

/** B2MML ProductionRequest: one work order. */
export const productionRequestSchema = z
  .object({
    ID: identifier,
    Description: z.string().max(1000).optional(),
    ProductProductionRuleID: identifier.optional(),
    ProcessSegmentID: identifier.optional(),
    Priority: z.number().int().min(0).max(1000).optional(),
    StartTime: dateTime.optional(),
    /** The due date. */
    EndTime: dateTime.optional(),
    MaterialProducedRequirement: z.array(materialRequirementSchema).length(1, 'a work order produces exactly one material'),
    MaterialConsumedRequirement: z.array(materialRequirementSchema).max(200).optional(),
    EquipmentRequirement: z.array(z.object({ EquipmentID: identifier, Description: z.string().max(1000).optional() }).strict()).max(50).optional(),
    Parameter: z.array(parameterSchema).max(100).optional(),
  })
  .strict();

const senderSchema = z
  .object({
    LogicalID: identifier.optional(),
    ComponentID: identifier.optional(),
    ConfirmationCode: z.enum(['Never', 'OnError', 'Always']).optional(),
  })
  .strict();

/** The ApplicationArea of a BOD: who sent it, when, and its message id (BODID). */
export const applicationAreaSchema = z
  .object({
    Sender: senderSchema.optional(),
    CreationDateTime: dateTime,
    BODID: z.string().trim().min(1).max(255),
  })
  .strict();

/** ProcessProductionSchedule: the ERP asks the MOS to produce these work orders. */
export const processProductionScheduleSchema = z
  .object({
    releaseID: z.string().max(32).optional(),
    versionID: z.string().max(32).optional(),
    ApplicationArea: applicationAreaSchema,
    DataArea: z
      .object({
        Process: z.record(z.string(), z.unknown()).optional(),
        ProductionSchedule: z
          .object({
            ID: identifier.optional(),
            Description: z.string().max(1000).optional(),
            Location: z.object({ EquipmentID: identifier, EquipmentElementLevel: z.string().max(64).optional() }).strict().optional(),
            PublishedDate: dateTime.optional(),
            ProductionRequest: z.array(productionRequestSchema).min(1).max(200),
          })
          .strict(),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'ProcessProductionSchedule', description: 'B2MML-shaped ProcessProductionSchedule BOD (JSON)' });

export type ProcessProductionSchedule = z.infer<typeof processProductionScheduleSchema>;
export type ProductionRequest = z.infer<typeof productionRequestSchema>;
export type MaterialRequirement = z.infer<typeof materialRequirementSchema>;

/** Why an order was refused. */
export type RejectionReason = { ReasonCode: string; Description: string };

/** One order's answer in the acknowledgement. */
export type AcknowledgedRequest = {
  ID: string;
  ActionCode: 'Accepted' | 'Rejected';
  ProcessInstanceID?: string;
  Reason?: RejectionReason[];
};

/** AcknowledgeProductionSchedule: accepted or rejected per order, with reasons. */
export type AcknowledgeProductionSchedule = {
  releaseID: string;
  ApplicationArea: { Sender: { LogicalID: string }; BODID: string; CreationDateTime: string };
  DataArea: {
    Acknowledge: {
      OriginalApplicationArea: { BODID: string; CreationDateTime: string; Sender?: { LogicalID?: string; ComponentID?: string } };
      ResponseCriteria: { ResponseExpression: { actionCode: 'Accepted' | 'Modified' | 'Rejected' } };
    };
    ProductionSchedule: { ID: string | null; ProductionRequest: AcknowledgedRequest[] };
  };
};

const reasonSchema = z.object({ ReasonCode: z.string(), Description: z.string() });
/** The answer's shape as the API documents it (with Gemba's `replayed` flag). */
export const acknowledgeProductionScheduleSchema = z
  .object({
    releaseID: z.string(),
    ApplicationArea: z.object({ Sender: z.object({ LogicalID: z.string() }), BODID: z.string(), CreationDateTime: z.string() }),
    DataArea: z.object({
      Acknowledge: z.object({
        OriginalApplicationArea: z.object({ BODID: z.string(), CreationDateTime: z.string(), Sender: senderSchema.optional() }),
        ResponseCriteria: z.object({ ResponseExpression: z.object({ actionCode: z.enum(['Accepted', 'Modified', 'Rejected']) }) }),
      }),
      ProductionSchedule: z.object({
        ID: z.string().nullable(),
        ProductionRequest: z.array(
          z.object({ ID: z.string(), ActionCode: z.enum(['Accepted', 'Rejected']), ProcessInstanceID: z.uuid().optional(), Reason: z.array(reasonSchema).optional() }),
        ),
      }),
    }),
    replayed: z.boolean().meta({ description: 'true when this message id was received before: the stored acknowledgement, nothing started' }),
  })
  .meta({ id: 'AcknowledgeProductionSchedule' });

/** A decimal quantity of a B2MML QuantityType. */
export function quantityOf(quantity: { QuantityString: number | string }): number {
  return typeof quantity.QuantityString === 'number' ? quantity.QuantityString : Number(quantity.QuantityString);
}
