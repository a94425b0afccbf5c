// Test projects (see ../shared/CONVENTIONS.md): unit tests need no database; http and scenario
// tests run against a real migrated database, embedded PGlite by default, PostgreSQL when
// DATABASE_URL is set. TypeScript is compiled by babel (babel.config.js); ESM-only dependencies
// are compiled too. (swc and jest 30 pull native packages this registry does not fully serve.)
// ESM-only packages, and PGlite, whose CommonJS build loads Node built-ins with import(): babel
// turns both into require() so that jest needs no experimental VM modules.
const esmOnly = ['feelin', 'canonicalize', 'lezer-feel', '@lezer', 'min-dash', 'luxon', 'temporal-[a-z-]+', '@electric-sql/pglite'];

/** @type {import('jest').Config['projects'][number]} */
const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj|cj)s$': 'babel-jest',
  },
  // Ignore node_modules except ESM-only packages, wherever they are nested.
  transformIgnorePatterns: [`^(?!.*/node_modules/(?:${esmOnly.join('|')})/).*/node_modules/`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], globalSetup: undefined },
    { ...base, displayName: 'http', testMatch: ['<rootDir>/test/http/**/*.test.ts'] },
    // Cluster scenarios (test/chaos/*.scenario.test.ts) run with the others; they need PostgreSQL and skip on PGlite.
    {
      ...base,
      displayName: 'scenarios',
      testMatch: ['<rootDir>/test/scenarios/**/*.test.ts', '<rootDir>/test/chaos/**/*.scenario.test.ts'],
      // It restarts the PostgreSQL server: only in the chaos project below.
      testPathIgnorePatterns: ['/node_modules/', '/test/scenarios/database-restart\\.scenario\\.test\\.ts$'],
    },
    // Property-based fuzzing of every API route and of mutated BPMN (bounded runs).
    { ...base, displayName: 'fuzz', testMatch: ['<rootDir>/test/fuzz/**/*.test.ts'] },
    // Adapters against real peers on 127.0.0.1 (in-process OPC UA server, simulated ERP).
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], globalSetup: undefined },
    // Kill and database-restart tests (`npm run test:chaos`): real server processes, a restarted
    // PostgreSQL. Only when asked for: they take minutes and disturb other tests on the same server.
    ...(process.env.GEMBA_CHAOS === 'true'
      ? [{ ...base, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.chaos.test.ts', '<rootDir>/test/scenarios/database-restart.scenario.test.ts'] }]
      : []),
  ],
};
