/**
 * A simulated QMS for the demo and the tests: nonconformance reports (each gets an NC number) and
 * the open deviations of a lot. `POST /nonconformances` honours `Idempotency-Key`. The control API
 * (failNext, delayNext, calls, reset) injects failures on demand.
 */
import type { HttpAuth } from '../http/connector-config';
import { startHttpSimulator, type HttpSimulator, type SimRoute } from '../http/simulator-kit';
import type { Logger } from '../../lib/logger';

export type NcSeverity = 'minor' | 'major' | 'critical';

export type QmsNonconformance = {
  ncNumber: string;
  status: 'OPEN';
  title: string;
  description: string | null;
  severity: NcSeverity;
  material: string | null;
  lot: string | null;
  orderId: string | null;
  quantityAffected: number | null;
  detectedBy: string | null;
  source: string | null;
  createdAt: string;
};

export type QmsDeviation = {
  deviationNumber: string;
  lot: string;
  material: string;
  title: string;
  status: 'OPEN' | 'APPROVED' | 'CLOSED';
  /** Planned deviations may allow use of the lot; unplanned ones block it until closed. */
  type: 'planned' | 'unplanned';
  openedAt: string;
};

/** The default demo data: an open unplanned deviation on the lot that is on QC hold in the ERP. */
export function defaultDeviations(): QmsDeviation[] {
  return [
    { deviationNumber: 'DEV-2026-0007', lot: 'L-2026-002', material: 'RM-1001', title: 'Moisture above specification at receiving', status: 'OPEN', type: 'unplanned', openedAt: '2026-03-02T08:15:00.000Z' },
    { deviationNumber: 'DEV-2026-0009', lot: 'L-2026-002', material: 'RM-1001', title: 'Sieving residue above limit', status: 'APPROVED', type: 'planned', openedAt: '2026-03-04T13:40:00.000Z' },
    { deviationNumber: 'DEV-2026-0003', lot: 'L-2026-001', material: 'RM-1001', title: 'Label misprint (corrected)', status: 'CLOSED', type: 'unplanned', openedAt: '2026-01-20T10:00:00.000Z' },
  ];
}

/** A running simulated QMS: the control API, and what it has recorded. */
export type QmsSimulator = HttpSimulator & {
  /** Nonconformances created (each once, however often its key was repeated). */
  nonconformances(): QmsNonconformance[];
  /** Adds a deviation (kept until reset). */
  putDeviation(deviation: QmsDeviation): void;
};

export type QmsSimulatorOptions = { host?: string; port?: number; auth?: HttpAuth; deviations?: QmsDeviation[]; logger?: Logger };

const SEVERITIES: readonly NcSeverity[] = ['minor', 'major', 'critical'];

/**
 * Starts the simulated QMS on 127.0.0.1 (port 0 = any free port).
 * @throws the listen error when the port is taken.
 */
export async function startQmsSimulator(options: QmsSimulatorOptions = {}): Promise<QmsSimulator> {
  const seed = options.deviations ?? defaultDeviations();
  let deviations: QmsDeviation[] = [];
  let nonconformances: QmsNonconformance[] = [];
  const restore = () => {
    deviations = structuredClone(seed);
    nonconformances = [];
  };
  restore();

  const routes: SimRoute[] = [
    { method: 'GET', path: '/health', handle: () => ({ status: 200, body: { status: 'UP', system: 'qms-simulator' } }) },
    {
      method: 'POST',
      path: '/nonconformances',
      idempotent: true,
      handle(req) {
        const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
        const problems: Array<{ field: string; message: string }> = [];
        if (typeof body.title !== 'string' || !body.title.trim()) problems.push({ field: 'title', message: 'required' });
        if (!SEVERITIES.includes(body.severity as NcSeverity)) problems.push({ field: 'severity', message: `one of ${SEVERITIES.join(', ')}` });
        if (body.quantityAffected !== undefined && body.quantityAffected !== null && !(typeof body.quantityAffected === 'number' && body.quantityAffected >= 0)) {
          problems.push({ field: 'quantityAffected', message: 'a number ≥ 0' });
        }
        if (problems.length) return { status: 422, body: { error: 'INVALID_NONCONFORMANCE', details: problems } };
        const now = new Date();
        const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null);
        const nc: QmsNonconformance = {
          ncNumber: `NC-${now.getUTCFullYear()}-${String(nonconformances.length + 1).padStart(5, '0')}`,
          status: 'OPEN',
          title: body.title as string,
          description: text(body.description),
          severity: body.severity as NcSeverity,
          material: text(body.material),
          lot: text(body.lot),
          orderId: text(body.orderId),
          quantityAffected: typeof body.quantityAffected === 'number' ? body.quantityAffected : null,
          detectedBy: text(body.detectedBy),
          source: text(body.source),
          createdAt: now.toISOString(),
        };
        nonconformances.push(nc);
        return { status: 201, body: nc, headers: { location: `/nonconformances/${nc.ncNumber}` } };
      },
    },
    {
      method: 'GET',
      path: '/nonconformances/:ncNumber',
      handle(req) {
        const nc = nonconformances.find((n) => n.ncNumber === req.params.ncNumber);
        return nc ? { status: 200, body: nc } : { status: 404, body: { error: 'NONCONFORMANCE_NOT_FOUND' } };
      },
    },
    {
      method: 'GET',
      path: '/deviations',
      handle(req) {
        const lot = req.query.get('lot');
        if (!lot) return { status: 400, body: { error: 'LOT_REQUIRED', message: 'give ?lot=' } };
        const open = deviations.filter((d) => d.lot === lot && d.status !== 'CLOSED');
        return {
          status: 200,
          body: { lot, items: open, openCount: open.length, blocking: open.some((d) => d.type === 'unplanned' && d.status === 'OPEN') },
        };
      },
    },
  ];

  const simulator = await startHttpSimulator({ name: 'qms', routes, host: options.host, port: options.port, auth: options.auth, logger: options.logger, onReset: restore });
  return Object.assign(simulator, {
    nonconformances: () => structuredClone(nonconformances),
    putDeviation(deviation: QmsDeviation) {
      deviations = [...deviations.filter((d) => d.deviationNumber !== deviation.deviationNumber), structuredClone(deviation)];
    },
  });
}
