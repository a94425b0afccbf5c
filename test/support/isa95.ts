import { createConnectorInvoker, type ConnectorInvoker } from '../../server/adapters/http/connector-invoker';
import { HttpConnector } from '../../server/adapters/http/http-connector';
import { connectorSecretBox } from '../../server/commands/manage-connectors';
import { findConnectorByName } from '../../server/repos/connectors.repo';
import { buildProcess, messageRef } from './bpmn-builder';
import type { TestApp } from './test-app';

/**
 * Long sessions (the clock moves far), and the app's outbox dispatcher off: the ISA-95 tests drive
 * a dispatcher of their own, so that each delivery round happens exactly when a test says.
 */
export const ISA95_TEST_ENV = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000', GEMBA_OUTBOX_ENABLED: 'false' };

/** A stand-in for the standard library's work order release: it starts on the schedule message. */
export const scheduleReleaseStandIn = buildProcess({
  id: 'work-order-release',
  name: 'Work order release',
  roots: '<bpmn:message id="Msg_Schedule" name="ProductionScheduleReceived" />',
  nodes: [
    { id: 'StartSchedule', type: 'startEvent', name: 'Production schedule received', body: messageRef('Msg_Schedule') },
    { id: 'Release', type: 'userTask', name: 'Release order', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'End', type: 'endEvent', name: 'Released' },
  ],
  flows: [
    { from: 'StartSchedule', to: 'Release' },
    { from: 'Release', to: 'End' },
  ],
});

/** The HTTP connector invoker a node builds (server/node.ts), for a dispatcher a test drives itself. */
export function httpInvokerOf(app: TestApp): ConnectorInvoker {
  return createConnectorInvoker({
    findConnector: (name) => findConnectorByName(app.deps.db, name),
    secretBox: () => connectorSecretBox(app.deps.config, app.deps.logger),
    http: new HttpConnector({ logger: app.deps.logger }),
  });
}
