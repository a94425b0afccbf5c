import { equipmentEndpointSchema, nodeIdSchema, writeLimitsSchema } from '../../../server/adapters/opcua/equipment-gateway';

describe('equipment input schemas', () => {
  it.each([
    'i=2253',
    'ns=2;s=Cell.Setpoint',
    'ns=65535;i=4294967295',
    'nsu=urn:gemba:simulator:opcua-cell;s=Cell.StateCurrent',
    'nsu=http://opcfoundation.org/UA/Machinery/;i=1001',
    'ns=1;g=09087e75-8e5e-499b-954f-f2a9603db28a',
    'ns=1;b=M/RbKBsRVkePCePcx24oRA==',
  ])('accepts the node id %s', (nodeId) => {
    expect(nodeIdSchema.safeParse(nodeId).success).toBe(true);
  });

  it.each([
    'Cell.Setpoint',
    'ns=2;Cell',
    'ns=65536;i=1',
    'i=4294967296',
    'ns=1;g=not-a-guid',
    's=',
    'nsu=;s=x',
  ])('refuses the node id %s', (nodeId) => {
    expect(nodeIdSchema.safeParse(nodeId).success).toBe(false);
  });

  it('fills endpoint defaults and ties security mode and policy together', () => {
    expect(equipmentEndpointSchema.parse({ id: 'cell-1', url: 'opc.tcp://127.0.0.1:4840' })).toMatchObject({
      securityMode: 'None', securityPolicy: 'None', userIdentity: { type: 'anonymous' }, requestTimeoutMs: 10_000,
    });
    expect(equipmentEndpointSchema.safeParse({ id: 'c', url: 'opc.tcp://h:4840', securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256' }).success).toBe(true);
    expect(equipmentEndpointSchema.safeParse({ id: 'c', url: 'opc.tcp://h:4840', securityMode: 'None', securityPolicy: 'Basic256Sha256' }).success).toBe(false);
    expect(equipmentEndpointSchema.safeParse({ id: 'c', url: 'opc.tcp://h:4840', userIdentity: { type: 'username', username: 'op' } }).success).toBe(false);
    expect(equipmentEndpointSchema.safeParse({ id: 'c', url: 'opc.tcp://h:4840', extra: 1 }).success).toBe(false);
  });

  it('refuses limits whose min exceeds max', () => {
    expect(writeLimitsSchema.safeParse({ min: 1, max: 0 }).success).toBe(false);
    expect(writeLimitsSchema.safeParse({ max: 0 }).success).toBe(true);
    expect(writeLimitsSchema.safeParse({ min: Number.NaN }).success).toBe(false);
  });
});
