// node-opcua is ESM-only; see support/native-opcua.ts for why it is loaded this way.
jest.mock('node-opcua', () => require('./support/native-opcua').loadNativeOpcua());

import { parseSimulatorCommandLine } from '../../../server/adapters/simulators/opcua-cell.main';

describe('simulator command line', () => {
  it('takes options from argv before the environment', () => {
    // when
    const options = parseSimulatorCommandLine(['--port', '4850', '--security', 'sign-and-encrypt', '--user', 'op:pa:ss'], {
      GEMBA_SIMULATOR_PORT: '4900',
      GEMBA_SIMULATOR_CELL_NAME: 'Line 2 sealer',
    });

    // then
    expect(options).toMatchObject({
      port: 4850,
      host: '127.0.0.1',
      cellName: 'Line 2 sealer',
      security: { modes: ['SignAndEncrypt'], policies: ['Basic256Sha256'] },
      users: [{ username: 'op', password: 'pa:ss' }],
      allowAnonymous: false,
      logLevel: 'info',
    });
  });

  it('refuses invalid options', () => {
    expect(() => parseSimulatorCommandLine(['--port', '70000'], {})).toThrow(/port/);
    expect(() => parseSimulatorCommandLine(['--security', 'basic128'], {})).toThrow(/security/);
    expect(() => parseSimulatorCommandLine(['--colour'], {})).toThrow();
  });
});
