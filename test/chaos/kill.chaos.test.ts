import { runKillScenario, type KillReport } from './kill-scenario';

// Scaled down for CI (about two minutes on two cores): three real server processes on one fresh
// PostgreSQL database, one of them killed with SIGKILL three times at random moments and started
// again. `npm run test:chaos` runs it (after a build); `npm run chaos:full` runs 2,000 instances.
const INSTANCES = Number(process.env.GEMBA_CHAOS_INSTANCES ?? 250);
const SEED = Number(process.env.GEMBA_CHAOS_SEED ?? Date.now() % 1_000_000);
// A shorter lease makes nodes take over jobs that are still running elsewhere: correctness must not depend on it.
const LEASE_MS = process.env.GEMBA_CHAOS_LEASE_MS ?? '5000';

describe('Feature: killing nodes loses and duplicates nothing', () => {
  let report: KillReport;

  it(`Given ${INSTANCES} instances driven through three nodes, When one node is killed three times at random moments`, async () => {
    report = await runKillScenario({
      instances: INSTANCES,
      nodes: 3,
      kills: 3,
      startRate: 8,
      failureRate: 0.05,
      timeoutMs: 150_000,
      seed: SEED,
      env: { GEMBA_JOB_LEASE_MS: LEASE_MS },
      log: (line) => process.stdout.write(`chaos: ${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(report.counts)}\n`);
    process.stdout.write(`chaos details: ${JSON.stringify(report.details)}\n`);
  }, 300_000);

  it('Then every instance completed exactly once, with one task, one timer and one side effect each, and the audit chain verifies', () => {
    expect(report.details.kills).toHaveLength(3);
    expect(report.counts).toEqual({ instances: INSTANCES, completed: INSTANCES, duplicates: 0, lost: 0, timersFired: INSTANCES, stuckJobs: 0, auditOk: true });
    expect(report.details).toMatchObject({ tasksCompleted: INSTANCES, serviceJobsCompleted: INSTANCES, ordersWithEffect: INSTANCES });
  });
});
