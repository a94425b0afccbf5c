import type { RouteDef } from '../route';
import { auditRoutes } from './audit.routes';
import { adminRoutes } from './admin.routes';
import { connectorRoutes } from './connectors.routes';
import { equipmentRoutes } from './equipment.routes';
import { incidentRoutes } from './incidents.routes';
import { instanceRoutes } from './instances.routes';
import { isa95Routes } from './isa95.routes';
import { kpiRoutes } from './kpis.routes';
import { migrationRoutes } from './migrations.routes';
import { platformRoutes } from './platform.routes';
import { recordRoutes } from './records.routes';
import { taskRoutes } from './tasks.routes';
import { processVersionRoutes } from './process-versions.routes';
import { authRoutes } from './auth.routes';
import { servicePrincipalRoutes } from './service-principals.routes';
import { traceRoutes } from './trace.routes';
import { userRoutes } from './users.routes';

/** Every route of /api/v1. The OpenAPI document and the role × route test read this list. */
export function apiRoutes(): RouteDef[] {
  return [...authRoutes, ...userRoutes, ...servicePrincipalRoutes, ...auditRoutes, ...processVersionRoutes, ...connectorRoutes, ...instanceRoutes, ...taskRoutes, ...incidentRoutes, ...adminRoutes, ...isa95Routes, ...traceRoutes, ...recordRoutes, ...kpiRoutes, ...platformRoutes, ...migrationRoutes, ...equipmentRoutes];
}
