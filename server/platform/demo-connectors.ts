// The connectors the standard process library calls (processes/connectors.json), configured for
// the simulators of server/adapters/simulators: `erp` and `qms` over HTTP, `cell-1` for the OPC UA
// cell. An opcua connector's name is its equipment id (monitoring, OEE), so the cell connector is
// named after the equipment the processes pass as `equipmentId`.

/** A connector to register: name, kind, description and its configuration (parsed by the registry). */
export type ConnectorDefinition = { name: string; kind: 'http' | 'opcua'; description: string; config: Record<string, unknown> };

// The simulator's namespace (CELL_NAMESPACE_URI of simulators/opcua-cell.ts, which loads node-opcua).
const CELL_NAMESPACE_URI = 'urn:gemba:simulator:opcua-cell';
const cell = (id: string) => `nsu=${CELL_NAMESPACE_URI};s=${id}`;

/** The ERP operations of the library against the simulated ERP's API. */
export function erpConnector(baseUrl: string): ConnectorDefinition {
  return {
    name: 'erp',
    kind: 'http',
    description: 'ERP (demo: the simulated ERP, npm run sim:erp)',
    config: {
      baseUrl,
      timeoutMs: 10_000,
      healthCheck: { method: 'GET', path: '/health' },
      operations: {
        getOrder: { method: 'GET', path: '/orders/${orderId}', responseMapping: { orderStatus: '/status', plannedQuantity: '/plannedQuantity' }, bpmnErrors: { '404': 'ORDER_NOT_FOUND' } },
        checkMaterialAvailability: {
          method: 'GET',
          path: '/materials/${material}/availability',
          query: { quantity: '${quantity}', lot: '${lot}' },
          responseMapping: { sufficient: '/sufficient', lotStatus: '/lotStatus' },
          bpmnErrors: { '404': 'MATERIAL_NOT_AVAILABLE' },
        },
        acknowledgeOrder: {
          method: 'POST',
          path: '/orders/${orderId}/acknowledgements',
          body: { acknowledgedBy: '${acknowledgedBy}', accepted: '${accepted}', message: '${message}' },
          responseMapping: { acknowledgementId: '/acknowledgementId' },
        },
        confirmOrder: {
          method: 'POST',
          path: '/orders/${orderId}/confirmations',
          body: { operation: '${operation}', yieldQuantity: '${yieldQuantity}', scrapQuantity: '${scrapQuantity}', unit: '${unit}', finalConfirmation: '${finalConfirmation}', workCenter: '${workCenter}' },
          responseMapping: { confirmationNumber: '/confirmationNumber', orderStatus: '/orderStatus' },
        },
      },
    },
  };
}

/** The QMS operations of the library against the simulated QMS's API. */
export function qmsConnector(baseUrl: string): ConnectorDefinition {
  return {
    name: 'qms',
    kind: 'http',
    description: 'QMS (demo: the simulated QMS, npm run sim:qms)',
    config: {
      baseUrl,
      timeoutMs: 10_000,
      healthCheck: { method: 'GET', path: '/health' },
      operations: {
        listOpenDeviations: { method: 'GET', path: '/deviations', query: { lot: '${lot}' }, responseMapping: { openDeviations: '/openCount', lotBlocked: '/blocking' } },
        createNonconformance: {
          method: 'POST',
          path: '/nonconformances',
          body: {
            title: '${title}',
            description: '${description}',
            severity: '${severity}',
            material: '${material}',
            lot: '${lot}',
            orderId: '${orderId}',
            quantityAffected: '${quantityAffected}',
            detectedBy: '${detectedBy}',
            source: '${source}',
          },
          responseMapping: { ncNumber: '/ncNumber' },
        },
      },
    },
  };
}

/** The equipment id of the demo cell: the name of its opcua connector and the processes' `gemba:connector`. */
export const DEMO_CELL_ID = 'cell-1';

/** The cell's OPC UA operations (PackML state, job order, result transfer). */
export function opcuaCellConnector(endpointUrl: string): ConnectorDefinition {
  return {
    name: DEMO_CELL_ID,
    kind: 'opcua',
    description: 'Packaging cell over OPC UA (demo: the cell simulator, npm run simulator)',
    config: {
      endpointUrl,
      securityMode: 'None',
      securityPolicy: 'None',
      operations: {
        readMachineState: { type: 'read', nodeId: cell('Cell.StateCurrent'), outputVariable: 'equipmentState' },
        startJobOrder: {
          type: 'call',
          objectId: cell('Cell'),
          methodId: cell('Cell.StartJobOrder'),
          inputArguments: ['${jobOrderId}', '${partNumber}', '${quantity}'],
          outputMapping: { startedAt: 'StartedAt' },
        },
        getJobResult: {
          type: 'call',
          objectId: cell('Cell'),
          methodId: cell('Cell.GetJobResult'),
          inputArguments: ['${jobOrderId}'],
          outputMapping: { jobStatus: 'Status', processedCount: 'ProcessedCount', defectiveCount: 'DefectiveCount' },
        },
      },
    },
  };
}

/** The demo connectors at the simulators' default ports (4101, 4102, 4840). */
export function demoConnectors(urls: { erp?: string; qms?: string; cell?: string } = {}): ConnectorDefinition[] {
  return [erpConnector(urls.erp ?? 'http://127.0.0.1:4101'), qmsConnector(urls.qms ?? 'http://127.0.0.1:4102'), opcuaCellConnector(urls.cell ?? 'opc.tcp://127.0.0.1:4840')];
}

/**
 * What the equipment monitor watches on the demo cell (body of PUT /equipment/cell-1/monitoring
 * without the reason): PackML state and counters for OEE, temperature and setpoint for the
 * operator's view. State changes to Held/Aborted send EquipmentAlarm (the monitor's default).
 */
export function demoCellMonitoring(samplingMs = 250): { nodes: Record<'state' | 'processed' | 'defective' | 'temperature' | 'setpoint', string>; samplingMs: number } {
  return {
    nodes: {
      state: cell('Cell.StateCurrent'),
      processed: cell('Cell.ProdProcessedCount'),
      defective: cell('Cell.ProdDefectiveCount'),
      temperature: cell('Cell.Temperature'),
      setpoint: cell('Cell.Setpoint'),
    },
    samplingMs,
  };
}
