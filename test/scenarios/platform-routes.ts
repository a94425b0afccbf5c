import type { RouteDef } from '../../server/http/route';
import { kpiRoutes } from '../../server/http/routes/kpis.routes';
import { platformRoutes } from '../../server/http/routes/platform.routes';
import { recordRoutes } from '../../server/http/routes/records.routes';
import { traceRoutes } from '../../server/http/routes/trace.routes';

/**
 * The routes of issue 7's platform side (trace, exposure, holds, records, KPIs, gauges,
 * notifications), added to /api/v1 for the tests until server/http/routes/index.ts lists them:
 *
 *   jest.mock('../../server/http/routes', () => require('../scenarios/platform-routes').withPlatformRoutes(jest.requireActual('../../server/http/routes')));
 *
 * Routes the index already has are not added twice.
 */
export function withPlatformRoutes(actual: { apiRoutes(): RouteDef[] }) {
  return {
    ...actual,
    apiRoutes(): RouteDef[] {
      const base = actual.apiRoutes();
      const known = new Set(base.map((route) => route.id));
      return [...base, ...[...traceRoutes, ...recordRoutes, ...kpiRoutes, ...platformRoutes].filter((route) => !known.has(route.id))];
    },
  };
}
