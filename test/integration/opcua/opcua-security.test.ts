// node-opcua is ESM-only; see support/native-opcua.ts for why it is loaded this way.
jest.mock('node-opcua', () => require('./support/native-opcua').loadNativeOpcua());

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EquipmentUnavailableError } from '../../../server/errors/app-error';
import { createOpcUaGateway, type OpcUaGateway } from '../../../server/adapters/opcua/opcua-gateway';
import { cellNodeId, startCellSimulator, type CellSimulator } from '../../../server/adapters/simulators/opcua-cell';
import { quietOpcUaLogs } from './support/logging';

const SECURE = 'cell-secure';
const WRONG_PASSWORD = 'cell-wrong-password';

describe('OPC UA gateway with SignAndEncrypt / Basic256Sha256 and a username token', () => {
  let simulator: CellSimulator;
  let gateway: OpcUaGateway;
  let dir: string;

  beforeAll(async () => {
    quietOpcUaLogs();
    dir = await mkdtemp(path.join(tmpdir(), 'gemba-opcua-secure-'));
    simulator = await startCellSimulator({
      port: 0,
      pkiDir: path.join(dir, 'simulator-pki'),
      security: { modes: ['SignAndEncrypt'], policies: ['Basic256Sha256'] },
      allowAnonymous: false,
      users: [{ username: 'line-operator', password: 'correct horse battery' }],
    });
    const endpoint = { url: simulator.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', requestTimeoutMs: 5_000, connectTimeoutMs: 8_000 } as const;
    gateway = createOpcUaGateway({
      pkiDir: path.join(dir, 'gateway-pki'),
      endpoints: [
        { ...endpoint, id: SECURE, userIdentity: { type: 'username', username: 'line-operator', password: 'correct horse battery' } },
        { ...endpoint, id: WRONG_PASSWORD, userIdentity: { type: 'username', username: 'line-operator', password: 'wrong' } },
      ],
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await simulator?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses an untrusted server, then connects encrypted once both sides trust each other', async () => {
    // given: nobody trusts anybody yet
    // when / then: the client refuses the unknown server certificate and keeps it for review
    await expect(gateway.read(SECURE, cellNodeId('stateCurrent'))).rejects.toBeInstanceOf(EquipmentUnavailableError);
    const rejected = await gateway.rejectedCertificates();
    expect(rejected.some((certificate) => certificate.equals(simulator.certificate))).toBe(true);

    // when: the client trusts the server, but the server does not trust the client yet
    await gateway.trustServerCertificate(simulator.certificate);

    // then
    await expect(gateway.read(SECURE, cellNodeId('stateCurrent'))).rejects.toBeInstanceOf(EquipmentUnavailableError);

    // when: the server trusts the client certificate too
    await simulator.trustCertificate(await gateway.clientCertificate());
    const state = await gateway.read(SECURE, cellNodeId('stateCurrent'));

    // then: the session runs on an encrypted channel as the configured user
    expect(state).toMatchObject({ value: 'Idle', good: true });
    expect(simulator.sessions()).toEqual([
      expect.objectContaining({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', userName: 'line-operator' }),
    ]);
    const written = await gateway.write(SECURE, cellNodeId('setpoint'), 181, { min: 100, max: 200 }, { signer: 'qa.lead' });
    expect(written).toMatchObject({ verified: true, readBack: { value: 181 } });
  });

  it('refuses a wrong password with EquipmentUnavailableError', async () => {
    await expect(gateway.read(WRONG_PASSWORD, cellNodeId('stateCurrent'))).rejects.toMatchObject({
      name: 'EquipmentUnavailableError',
      detail: expect.stringMatching(/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/),
    });
  });
});
