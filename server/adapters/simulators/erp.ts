/**
 * A simulated ERP for the demo and the tests: material availability by lot (with QC hold),
 * production order confirmations shaped like ISA-95 ProductionPerformance, and order
 * acknowledgements. POSTs honour `Idempotency-Key` (same key and body → same answer, processed
 * once). The control API (failNext, delayNext, calls, reset) injects failures on demand.
 */
import type { HttpAuth } from '../http/connector-config';
import { startHttpSimulator, type HttpSimulator, type SimRequest, type SimResponse, type SimRoute } from '../http/simulator-kit';
import type { Logger } from '../../lib/logger';

export type LotStatus = 'RELEASED' | 'QC-HOLD' | 'BLOCKED';

export type ErpLot = { lot: string; quantity: number; status: LotStatus; expiresOn?: string };

export type ErpMaterial = { material: string; description: string; unit: string; allocated: number; lots: ErpLot[] };

export type ErpOrderStatus = 'RELEASED' | 'PARTIALLY_CONFIRMED' | 'CONFIRMED';

export type ErpOrder = {
  orderId: string;
  material: string;
  plannedQuantity: number;
  unit: string;
  status: ErpOrderStatus;
  confirmedYield: number;
  confirmedScrap: number;
  acknowledged: boolean;
};

/** A posted confirmation, as the ERP answered it. */
export type ErpConfirmation = {
  confirmationNumber: string;
  orderId: string;
  operation: string;
  yieldQuantity: number;
  scrapQuantity: number;
  unit: string;
  finalConfirmation: boolean;
  workCenter: string | null;
  personnel: string | null;
  consumedLots: Array<{ material: string; lot: string; quantity: number }>;
  postedAt: string;
  orderStatus: ErpOrderStatus;
};

export type ErpAcknowledgement = { acknowledgementId: string; orderId: string; acknowledgedBy: string; message: string | null; acknowledgedAt: string };

/** The data a fresh (or reset) ERP starts with. */
export type ErpSeed = { materials: ErpMaterial[]; orders: ErpOrder[] };

/** The default demo data: two raw materials (one lot on QC hold) and two released work orders. */
export function defaultErpSeed(): ErpSeed {
  return {
    materials: [
      {
        material: 'RM-1001',
        description: 'PA12 powder, virgin',
        unit: 'KG',
        allocated: 20,
        lots: [
          { lot: 'L-2026-001', quantity: 120, status: 'RELEASED', expiresOn: '2027-06-30' },
          { lot: 'L-2026-002', quantity: 80, status: 'QC-HOLD', expiresOn: '2027-08-31' },
        ],
      },
      {
        material: 'RM-2002',
        description: 'Titanium fastener kit',
        unit: 'EA',
        allocated: 0,
        lots: [
          { lot: 'L-2026-101', quantity: 500, status: 'RELEASED' },
          { lot: 'L-2026-102', quantity: 40, status: 'BLOCKED' },
        ],
      },
    ],
    orders: [
      { orderId: 'WO-1001', material: 'FG-7001', plannedQuantity: 100, unit: 'EA', status: 'RELEASED', confirmedYield: 0, confirmedScrap: 0, acknowledged: false },
      { orderId: 'WO-1002', material: 'FG-7002', plannedQuantity: 25, unit: 'EA', status: 'RELEASED', confirmedYield: 0, confirmedScrap: 0, acknowledged: false },
    ],
  };
}

/** A running simulated ERP: the control API, and what it has recorded. */
export type ErpSimulator = HttpSimulator & {
  /** Confirmations posted (each processed once, however often its key was repeated). */
  confirmations(): ErpConfirmation[];
  acknowledgements(): ErpAcknowledgement[];
  order(orderId: string): ErpOrder | undefined;
  material(material: string): ErpMaterial | undefined;
  /** Adds or replaces an order (kept until reset). */
  putOrder(order: Omit<ErpOrder, 'status' | 'confirmedYield' | 'confirmedScrap' | 'acknowledged'> & Partial<ErpOrder>): void;
  /** Adds or replaces a material (kept until reset). */
  putMaterial(material: ErpMaterial): void;
};

export type ErpSimulatorOptions = { host?: string; port?: number; auth?: HttpAuth; seed?: ErpSeed; logger?: Logger };

/**
 * Starts the simulated ERP on 127.0.0.1 (port 0 = any free port).
 * @throws the listen error when the port is taken.
 */
export async function startErpSimulator(options: ErpSimulatorOptions = {}): Promise<ErpSimulator> {
  const seed = options.seed ?? defaultErpSeed();
  let materials = new Map<string, ErpMaterial>();
  let orders = new Map<string, ErpOrder>();
  let confirmations: ErpConfirmation[] = [];
  let acknowledgements: ErpAcknowledgement[] = [];
  const restore = () => {
    materials = new Map(structuredClone(seed.materials).map((m) => [m.material, m]));
    orders = new Map(structuredClone(seed.orders).map((o) => [o.orderId, o]));
    confirmations = [];
    acknowledgements = [];
  };
  restore();

  const routes: SimRoute[] = [
    { method: 'GET', path: '/health', handle: () => ({ status: 200, body: { status: 'UP', system: 'erp-simulator' } }) },
    { method: 'GET', path: '/materials/:material/availability', handle: (req) => availability(materials, req) },
    {
      method: 'GET',
      path: '/orders/:orderId',
      handle: (req) => {
        const order = orders.get(req.params.orderId);
        return order ? { status: 200, body: order } : notFound('ORDER_NOT_FOUND', `no order ${req.params.orderId}`);
      },
    },
    {
      method: 'POST',
      path: '/orders/:orderId/confirmations',
      idempotent: true,
      handle: (req) => {
        const result = confirm(orders, materials, req, confirmations.length + 1);
        if (result.confirmation) confirmations.push(result.confirmation);
        return result.response;
      },
    },
    {
      method: 'POST',
      path: '/orders/:orderId/acknowledgements',
      idempotent: true,
      handle: (req) => {
        const order = orders.get(req.params.orderId);
        if (!order) return notFound('ORDER_NOT_FOUND', `no order ${req.params.orderId}`);
        const body = asRecord(req.body);
        if (typeof body.acknowledgedBy !== 'string' || !body.acknowledgedBy.trim()) {
          return unprocessable('INVALID_ACKNOWLEDGEMENT', [{ field: 'acknowledgedBy', message: 'required' }]);
        }
        order.acknowledged = true;
        const acknowledgement: ErpAcknowledgement = {
          acknowledgementId: `ACK-${String(acknowledgements.length + 1).padStart(6, '0')}`,
          orderId: order.orderId,
          acknowledgedBy: body.acknowledgedBy,
          message: typeof body.message === 'string' ? body.message : null,
          acknowledgedAt: new Date().toISOString(),
        };
        acknowledgements.push(acknowledgement);
        return { status: 201, body: { ...acknowledgement, status: 'ACKNOWLEDGED', orderStatus: order.status } };
      },
    },
  ];

  const simulator = await startHttpSimulator({ name: 'erp', routes, host: options.host, port: options.port, auth: options.auth, logger: options.logger, onReset: restore });
  return Object.assign(simulator, {
    confirmations: () => structuredClone(confirmations),
    acknowledgements: () => structuredClone(acknowledgements),
    order: (orderId: string) => structuredClone(orders.get(orderId)),
    material: (material: string) => structuredClone(materials.get(material)),
    putOrder(order: Parameters<ErpSimulator['putOrder']>[0]) {
      orders.set(order.orderId, { status: 'RELEASED', confirmedYield: 0, confirmedScrap: 0, acknowledged: false, ...order });
    },
    putMaterial(material: ErpMaterial) {
      materials.set(material.material, structuredClone(material));
    },
  });
}

function availability(materials: Map<string, ErpMaterial>, req: SimRequest): SimResponse {
  const material = materials.get(req.params.material);
  if (!material) return notFound('MATERIAL_NOT_FOUND', `no material ${req.params.material}`);
  const quantityText = req.query.get('quantity');
  const requested = quantityText === null || quantityText === '' ? null : Number(quantityText);
  if (requested !== null && !(Number.isFinite(requested) && requested >= 0)) {
    return { status: 400, body: { error: 'INVALID_QUANTITY', message: 'quantity must be a number ≥ 0' } };
  }
  const sum = (status: LotStatus) => material.lots.filter((l) => l.status === status).reduce((total, l) => total + l.quantity, 0);
  const released = sum('RELEASED');
  const available = Math.max(0, released - material.allocated);
  const lotName = req.query.get('lot');
  const body: Record<string, unknown> = {
    material: material.material,
    description: material.description,
    unit: material.unit,
    requestedQuantity: requested,
    onHand: material.lots.reduce((total, l) => total + l.quantity, 0),
    qcHold: sum('QC-HOLD'),
    blocked: sum('BLOCKED'),
    allocated: material.allocated,
    available,
    sufficient: requested === null ? available > 0 : available >= requested,
    lots: material.lots.map((l) => ({ ...l, usable: l.status === 'RELEASED' })),
  };
  if (lotName) {
    const lot = material.lots.find((l) => l.lot === lotName);
    if (!lot) return notFound('LOT_NOT_FOUND', `no lot ${lotName} of ${material.material}`);
    const usable = lot.status === 'RELEASED';
    body.lot = { ...lot, usable };
    body.lotStatus = lot.status;
    body.sufficient = usable && (requested === null ? lot.quantity > 0 : lot.quantity >= requested);
  }
  return { status: 200, body };
}

function confirm(
  orders: Map<string, ErpOrder>,
  materials: Map<string, ErpMaterial>,
  req: SimRequest,
  sequence: number,
): { response: SimResponse; confirmation?: ErpConfirmation } {
  const order = orders.get(req.params.orderId);
  if (!order) return { response: notFound('ORDER_NOT_FOUND', `no order ${req.params.orderId}`) };
  const body = asRecord(req.body);
  const problems: Array<{ field: string; message: string }> = [];
  if (typeof body.operation !== 'string' || !body.operation.trim()) problems.push({ field: 'operation', message: 'required' });
  if (typeof body.yieldQuantity !== 'number' || !(body.yieldQuantity >= 0)) problems.push({ field: 'yieldQuantity', message: 'a number ≥ 0' });
  if (body.scrapQuantity !== undefined && (typeof body.scrapQuantity !== 'number' || !(body.scrapQuantity >= 0))) problems.push({ field: 'scrapQuantity', message: 'a number ≥ 0' });
  if (body.unit !== undefined && body.unit !== order.unit) problems.push({ field: 'unit', message: `the order is in ${order.unit}` });
  const consumed = Array.isArray(body.consumedLots) ? body.consumedLots.map(asRecord) : [];
  consumed.forEach((c, i) => {
    if (typeof c.material !== 'string' || typeof c.lot !== 'string' || typeof c.quantity !== 'number' || !(c.quantity > 0)) {
      problems.push({ field: `consumedLots[${i}]`, message: 'material, lot and a quantity > 0' });
    }
  });
  if (problems.length) return { response: unprocessable('INVALID_CONFIRMATION', problems) };
  if (order.status === 'CONFIRMED') {
    return { response: { status: 409, body: { error: 'ORDER_ALREADY_CONFIRMED', message: `order ${order.orderId} is finally confirmed` } } };
  }
  for (const c of consumed) {
    const lot = materials.get(String(c.material))?.lots.find((l) => l.lot === c.lot);
    if (!lot) return { response: notFound('LOT_NOT_FOUND', `no lot ${String(c.lot)} of ${String(c.material)}`) };
    if (lot.status !== 'RELEASED') return { response: { status: 409, body: { error: 'LOT_NOT_RELEASED', message: `lot ${lot.lot} is ${lot.status}`, lot: lot.lot, lotStatus: lot.status } } };
    if (lot.quantity < Number(c.quantity)) return { response: { status: 409, body: { error: 'INSUFFICIENT_QUANTITY', message: `lot ${lot.lot} has ${lot.quantity}` } } };
  }
  for (const c of consumed) {
    const lot = materials.get(String(c.material))!.lots.find((l) => l.lot === c.lot)!;
    lot.quantity -= Number(c.quantity);
  }
  const yieldQuantity = body.yieldQuantity as number;
  const scrapQuantity = (body.scrapQuantity as number | undefined) ?? 0;
  order.confirmedYield += yieldQuantity;
  order.confirmedScrap += scrapQuantity;
  order.status = body.finalConfirmation === true ? 'CONFIRMED' : 'PARTIALLY_CONFIRMED';
  const confirmation: ErpConfirmation = {
    confirmationNumber: `CNF-${String(sequence).padStart(8, '0')}`,
    orderId: order.orderId,
    operation: body.operation as string,
    yieldQuantity,
    scrapQuantity,
    unit: order.unit,
    finalConfirmation: body.finalConfirmation === true,
    workCenter: typeof body.workCenter === 'string' ? body.workCenter : null,
    personnel: typeof body.personnel === 'string' ? body.personnel : null,
    consumedLots: consumed.map((c) => ({ material: String(c.material), lot: String(c.lot), quantity: Number(c.quantity) })),
    postedAt: new Date().toISOString(),
    orderStatus: order.status,
  };
  return { response: { status: 201, body: { ...confirmation, confirmedYield: order.confirmedYield, confirmedScrap: order.confirmedScrap } }, confirmation };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function notFound(error: string, message: string): SimResponse {
  return { status: 404, body: { error, message } };
}

function unprocessable(error: string, details: Array<{ field: string; message: string }>): SimResponse {
  return { status: 422, body: { error, details } };
}
