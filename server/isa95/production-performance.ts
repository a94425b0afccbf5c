import { z } from 'zod';
import { dateTime, GEMBA_LOGICAL_ID, identifier } from './b2mml';

/** A produced or consumed quantity of one material, with its lot and serials (other fields are dropped). */
export const materialActualSchema = z
  .object({
    material: identifier,
    lot: identifier.nullable().optional(),
    serials: z.array(identifier).max(10_000).optional(),
    quantity: z.number().finite().positive(),
    unit: z.string().trim().min(1).max(32),
  });

const oneOrMany = z.union([identifier, z.array(identifier).max(100)]).transform((value) => (typeof value === 'string' ? [value] : value));

/**
 * What happened on a work order or one of its operations (I02): Gemba's input for a
 * ProductionPerformance message. `status: completed` is the final confirmation.
 */
export const performanceReportSchema = z.object({
  orderId: identifier,
  operation: identifier.nullable().optional(),
  status: z.enum(['completed', 'partial']).default('completed'),
  startTime: dateTime.nullable().optional(),
  endTime: dateTime.nullable().optional(),
  produced: z.array(materialActualSchema).max(1000).default([]),
  consumed: z.array(materialActualSchema).max(1000).default([]),
  scrapQuantity: z.number().finite().min(0).default(0),
  equipment: oneOrMany.default([]),
  personnel: oneOrMany.default([]),
});

export type PerformanceReport = z.output<typeof performanceReportSchema>;
export type PerformanceReportInput = z.input<typeof performanceReportSchema>;

/**
 * The ProductionPerformance BOD (B2MML-shaped JSON) of a report: one ProductionResponse for the
 * order with one SegmentResponse holding the material, equipment and personnel actuals. `messageId`
 * (the outbox id) is its BODID, so the receiver can deduplicate a redelivery.
 */
export function buildProductionPerformance(report: PerformanceReport, messageId: string, now: Date) {
  const end = report.endTime ? new Date(report.endTime).toISOString() : now.toISOString();
  const start = report.startTime ? new Date(report.startTime).toISOString() : null;
  const actual = (use: 'Produced' | 'Consumed') => (m: PerformanceReport['produced'][number]) => ({
    MaterialDefinitionID: m.material,
    ...(m.lot ? { MaterialLotID: m.lot } : {}),
    ...(m.serials?.length ? { MaterialSubLotID: m.serials } : {}),
    MaterialUse: use,
    Quantity: { QuantityString: String(m.quantity), UnitOfMeasure: m.unit },
  });
  return {
    releaseID: '1.0',
    ApplicationArea: { Sender: { LogicalID: GEMBA_LOGICAL_ID }, BODID: messageId, CreationDateTime: now.toISOString() },
    DataArea: {
      Process: {},
      ProductionPerformance: {
        ID: messageId,
        PublishedDate: now.toISOString(),
        ProductionResponse: [
          {
            ID: `${report.orderId}${report.operation ? `/${report.operation}` : ''}`,
            ProductionRequestID: report.orderId,
            ...(start ? { StartTime: start } : {}),
            EndTime: end,
            ResponseState: report.status === 'completed' ? 'Completed' : 'Running',
            SegmentResponse: [
              {
                ID: report.operation ?? report.orderId,
                ...(report.operation ? { ProcessSegmentID: report.operation } : {}),
                ...(start ? { ActualStartTime: start } : {}),
                ActualEndTime: end,
                MaterialActual: [...report.produced.map(actual('Produced')), ...report.consumed.map(actual('Consumed'))],
                EquipmentActual: report.equipment.map((id) => ({ EquipmentID: id })),
                PersonnelActual: report.personnel.map((id) => ({ PersonID: id })),
                ...(report.scrapQuantity
                  ? { SegmentData: [{ ID: 'ScrapQuantity', Value: { ValueString: String(report.scrapQuantity), UnitOfMeasure: unitOf(report) ?? '' } }] }
                  : {}),
              },
            ],
          },
        ],
      },
    },
  };
}

/**
 * The variables a connector operation's templates read when the message is delivered: flat
 * fields an ERP confirmation needs (`${orderId}`, `${yieldQuantity}`, `${consumedLots}`, …), every
 * one always present (null when unknown), plus the whole BOD as `${performance}`.
 */
export function deliveryVariables(report: PerformanceReport, messageId: string, performance: unknown): Record<string, unknown> {
  return {
    messageId,
    orderId: report.orderId,
    operation: report.operation ?? null,
    finalConfirmation: report.status === 'completed',
    yieldQuantity: report.produced.reduce((sum, m) => sum + m.quantity, 0),
    scrapQuantity: report.scrapQuantity,
    unit: unitOf(report),
    startTime: report.startTime ? new Date(report.startTime).toISOString() : null,
    endTime: (performance as { DataArea: { ProductionPerformance: { ProductionResponse: Array<{ EndTime: string }> } } }).DataArea.ProductionPerformance.ProductionResponse[0].EndTime,
    workCenter: report.equipment[0] ?? null,
    equipment: report.equipment,
    personnel: report.personnel.length ? report.personnel.join(', ') : null,
    producedLots: report.produced.map((m) => ({ material: m.material, lot: m.lot ?? null, serials: m.serials ?? [], quantity: m.quantity, unit: m.unit })),
    consumedLots: report.consumed.map((m) => ({ material: m.material, lot: m.lot ?? null, quantity: m.quantity })),
    performance,
  };
}

function unitOf(report: PerformanceReport): string | null {
  return report.produced[0]?.unit ?? report.consumed[0]?.unit ?? null;
}
