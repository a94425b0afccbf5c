import { ConfigError, loadConfig } from '../../server/config';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('defaults to the embedded database in ./data with the design’s security settings', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\/data$/) });
    expect(config.http.port).toBe(3000);
    expect(config.security).toEqual({ sessionIdleMs: 15 * 60_000, sessionMaxMs: 12 * 3_600_000, loginLockoutThreshold: 5, signatureLockoutThreshold: 3 });
    expect(config.demo.seed).toBe(true);
    expect(Object.isFrozen(config.security)).toBe(true);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(config.database).toMatchObject({ kind: 'postgresql', url: 'postgres://postgres@127.0.0.1:5432/test' });
  });

  it('does not seed demo data in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production', GEMBA_SECRET_KEY: KEY }).demo.seed).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GEMBA_SECRET_KEY: KEY, GEMBA_SEED_DEMO: 'true' }).demo.seed).toBe(true);
  });

  it('sizes the engine workers’ young generation only when asked, within bounds', () => {
    expect(loadConfig({}).engine.youngGenerationMb).toBeUndefined();
    expect(loadConfig({ GEMBA_ENGINE_YOUNG_GENERATION_MB: '64' }).engine.youngGenerationMb).toBe(64);
    expect(() => loadConfig({ GEMBA_ENGINE_YOUNG_GENERATION_MB: '2' })).toThrow(ConfigError);
  });

  it('lists every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', GEMBA_SESSION_IDLE_MINUTES: '-3', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'GEMBA_SESSION_IDLE_MINUTES', 'LOG_LEVEL']) expect(problems).toContain(name);
  });

  it('never allows a controlled clock in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', GEMBA_CLOCK_CONTROLLED: 'true', GEMBA_SECRET_KEY: KEY })).toThrow(/never allowed in production/);
  });

  it('needs a key for connector secrets in production, and checks its form', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/GEMBA_SECRET_KEY/);
    expect(() => loadConfig({ GEMBA_SECRET_KEY: 'too-short' })).toThrow(/GEMBA_SECRET_KEY/);
    expect(loadConfig({ GEMBA_SECRET_KEY: KEY }).secrets.key).toBe(KEY);
  });
});
