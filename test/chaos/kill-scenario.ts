import { buildProcess, timer } from '../support/bpmn-builder';
import { DEMO_API_KEY, LocalCluster, api, releaseProcess, signIn, type ApiAnswer } from './cluster-harness';
import { SideEffectServer, seededRandom } from './side-effect-server';

// Issue 9's kill test: instances of a process with a service task (a flaky connector with a side
// effect), a 2-second timer and a user task, driven through the API of every node while one node
// at a time is killed with SIGKILL at random moments and started again. Afterwards every instance,
// task, timer and side effect is counted from the database and the simulator.

export const KEY = 'chaos-kill';

export const CHAOS_PROCESS = buildProcess({
  id: KEY,
  name: 'Chaos: call, wait, check',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Order released' },
    { id: 'Book', type: 'serviceTask', name: 'Book confirmation', attrs: { 'gemba:connector': 'sidefx', 'gemba:operation': 'effect', 'gemba:retries': '25' } },
    { id: 'Wait', type: 'intermediateCatchEvent', name: 'Two seconds', body: timer('timeDuration', 'PT2S') },
    { id: 'Check', type: 'userTask', name: 'Check the order', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'Done' },
  ],
  flows: [
    { from: 'Start', to: 'Book' },
    { from: 'Book', to: 'Wait' },
    { from: 'Wait', to: 'Check' },
    { from: 'Check', to: 'End' },
  ],
});

export type KillScenarioOptions = {
  instances: number;
  nodes: number;
  kills: number;
  /** Instances started per second across the cluster. */
  startRate: number;
  /** Share of connector calls that fail (half before, half after the side effect). */
  failureRate: number;
  /** Upper bound of the connector's random answer time: the longer a call, the likelier a lease runs out during it. */
  connectorLatencyMs?: number;
  /** The whole run gives up after this long (the counts then show what was lost). */
  timeoutMs: number;
  seed: number;
  /** Node settings: a lease short enough that a killed node's jobs move on within seconds. */
  env?: Record<string, string>;
  log?: (line: string) => void;
  keepDatabase?: boolean;
};

/** The counts issue 9 asks for. */
export type KillCounts = { instances: number; completed: number; duplicates: number; lost: number; timersFired: number; stuckJobs: number; auditOk: boolean };

export type KillReport = { counts: KillCounts; details: Record<string, unknown> };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the scenario on a fresh database and cluster; always tears them down. */
export async function runKillScenario(options: KillScenarioOptions): Promise<KillReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const simulator = new SideEffectServer({ failureRate: options.failureRate, seed: options.seed + 1, latencyMs: options.connectorLatencyMs });
  const simulatorUrl = await simulator.start();
  const cluster = await LocalCluster.create({
    nodes: options.nodes,
    env: { GEMBA_JOB_LEASE_MS: '5000', GEMBA_JOB_POLL_MS: '250', GEMBA_JOB_BACKOFF_MS: '250', GEMBA_DB_POOL_MAX: '8', ...options.env },
  });
  const started = Date.now();
  try {
    await cluster.startAll();
    log(`cluster of ${options.nodes} up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${cluster.logDir})`);
    const first = cluster.nodes[0].url;
    const admin = await signIn(first, 'admin');
    const operator = await signIn(first, 'operator');
    const connector = await api(first, 'POST', '/api/v1/connectors', admin, {
      name: 'sidefx',
      kind: 'http',
      config: {
        baseUrl: simulatorUrl,
        timeoutMs: 5_000,
        operations: { effect: { method: 'POST', path: '/effects/${orderId}', body: { order: '${orderId}' }, responseMapping: { receipt: '/receipt' } } },
      },
    });
    if (connector.status !== 201) throw new Error(`connector refused: ${JSON.stringify(connector)}`);
    await releaseProcess(first, CHAOS_PROCESS);

    const driver = new Driver(cluster, operator, random, options);
    const estimatedMs = (options.instances / options.startRate) * 1000 + 15_000;
    const killer = killAtRandom(cluster, random, options.kills, estimatedMs, log);
    await Promise.all([driver.startAll(), driver.workTasks(options.timeoutMs - (Date.now() - started)), killer.done]);
    log(`driving done after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Every node is up again: let jobs settle (nothing should be left), then check the chain.
    const stuckDeadline = Date.now() + 10_000;
    while (Date.now() < stuckDeadline && (await liveJobs(cluster)) > 0) await sleep(500);
    const verify = await api(cluster.aliveNodes()[0].url, 'GET', '/api/v1/audit/verify', admin, undefined, 120_000);
    const auditOk = verify.status === 200 && (verify as { body: { ok: boolean } }).body.ok === true;
    await Promise.all(cluster.nodes.map((node) => cluster.stop(node.index)));
    const report = await count(cluster, driver, simulator, auditOk);
    report.details = { ...report.details, kills: killer.kills, durationS: Math.round((Date.now() - started) / 100) / 10, seed: options.seed, verify: auditOk ? 'ok' : verify };
    return report;
  } catch (error) {
    log(cluster.logTail());
    throw error;
  } finally {
    await cluster.destroy({ keepDatabase: options.keepDatabase });
    await simulator.stop();
  }
}

async function liveJobs(cluster: LocalCluster): Promise<number> {
  const [{ n }] = await cluster.db('jobs').whereIn('status', ['pending', 'running']).count({ n: '*' });
  return Number(n);
}

/** Kills a random live node at `count` random moments (one in each slice of the expected run), restarting each. */
function killAtRandom(cluster: LocalCluster, random: () => number, count: number, expectedMs: number, log: (line: string) => void) {
  const kills: Array<{ node: number; atS: number; downMs: number }> = [];
  const t0 = Date.now();
  const done = (async () => {
    for (let k = 0; k < count; k++) {
      // Slice k of [10 %, 80 %] of the expected run; a random moment inside it.
      const from = 0.1 + (0.7 * k) / count;
      const at = t0 + expectedMs * (from + (0.7 / count) * random());
      await sleep(Math.max(0, at - Date.now()));
      const alive = cluster.aliveNodes();
      const victim = alive[Math.floor(random() * alive.length)];
      await cluster.kill(victim.index);
      const downMs = 500 + Math.floor(random() * 2_000);
      log(`SIGKILL node ${victim.index + 1} at ${((Date.now() - t0) / 1000).toFixed(1)} s; back in ${downMs} ms`);
      kills.push({ node: victim.index + 1, atS: Math.round((Date.now() - t0) / 100) / 10, downMs });
      await sleep(downMs);
      await cluster.start(victim.index);
    }
  })();
  return { kills, done };
}

/** Starts instances and works their tasks through the API of whichever nodes are up. */
class Driver {
  /** Business keys whose start was confirmed (an answer, or the instance found afterwards). */
  readonly confirmed = new Set<string>();
  readonly unconfirmed = new Set<string>();
  readonly stats = { startRetries: 0, startAnswers5xx: 0, networkErrors: 0, completions: 0, completionConflicts: 0, completionRetries: 0 };
  private startsDone = false;
  private next = 0;

  constructor(
    private readonly cluster: LocalCluster,
    private readonly operator: Record<string, string>,
    private readonly random: () => number,
    private readonly options: KillScenarioOptions,
  ) {}

  private node(): string {
    const alive = this.cluster.aliveNodes();
    const pool = alive.length ? alive : this.cluster.nodes;
    return pool[this.next++ % pool.length].url;
  }

  private note(answer: ApiAnswer): void {
    if (answer.status === 0) this.stats.networkErrors += 1;
  }

  async startAll(): Promise<void> {
    const t0 = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < this.options.instances; i++) {
      const due = t0 + (i * 1000) / this.options.startRate;
      await sleep(Math.max(0, due - Date.now()));
      while (inFlight.size >= 16) await Promise.race(inFlight);
      const task = this.startOne(`ORD-${String(i).padStart(5, '0')}`).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
    this.startsDone = true;
  }

  /**
   * Starts one instance the way a careful client does: when the answer does not come (the node
   * died) or is a 5xx, it asks another node whether the instance exists before starting again.
   */
  private async startOne(businessKey: string): Promise<void> {
    const key = { 'x-api-key': DEMO_API_KEY };
    for (let attempt = 0; attempt < 30; attempt++) {
      if (attempt > 0) {
        this.stats.startRetries += 1;
        await sleep(300 + Math.floor(this.random() * 700));
        const found = await api(this.node(), 'GET', `/api/v1/instances?key=${KEY}&businessKey=${businessKey}`, key);
        this.note(found);
        if (found.status !== 200) continue;
        if ((found.body as { total: number }).total > 0) {
          this.confirmed.add(businessKey);
          return;
        }
      }
      const answer = await api(this.node(), 'POST', `/api/v1/processes/${KEY}/instances`, key, { businessKey, variables: { orderId: businessKey } });
      this.note(answer);
      if (answer.status === 201) {
        this.confirmed.add(businessKey);
        return;
      }
      if (answer.status >= 500) this.stats.startAnswers5xx += 1;
      if (answer.status >= 400 && answer.status < 500) throw new Error(`start refused: ${JSON.stringify(answer)}`);
    }
    this.unconfirmed.add(businessKey);
  }

  /** Completes open tasks until every confirmed instance has completed (or time runs out). */
  async workTasks(budgetMs: number): Promise<void> {
    const until = Date.now() + budgetMs;
    const workers = 4;
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        while (Date.now() < until) {
          if (this.startsDone && (await this.allCompleted())) return;
          const list = await api(this.node(), 'GET', `/api/v1/tasks?view=workable&key=${KEY}&limit=100`, this.operator);
          this.note(list);
          const tasks = list.status === 200 ? ((list.body as { items: Array<{ id: string }> }).items ?? []) : [];
          // Workers share the list by task id, so that they rarely race for the same task.
          const mine = tasks.filter((task) => parseInt(task.id.slice(0, 8), 16) % workers === worker);
          if (mine.length === 0) {
            await sleep(250);
            continue;
          }
          for (const task of mine) {
            if (Date.now() >= until) return;
            const answer = await api(this.node(), 'POST', `/api/v1/tasks/${task.id}/complete`, this.operator, { variables: { checked: true } });
            this.note(answer);
            if (answer.status === 200) this.stats.completions += 1;
            else if (answer.status === 409) this.stats.completionConflicts += 1;
            else this.stats.completionRetries += 1;
          }
        }
      }),
    );
  }

  private lastCheck = 0;
  private lastResult = false;

  private async allCompleted(): Promise<boolean> {
    if (Date.now() - this.lastCheck < 1_000) return this.lastResult;
    this.lastCheck = Date.now();
    const [{ n }] = await this.cluster.db('process_instances').where({ key: KEY }).whereNot({ status: 'completed' }).count({ n: '*' });
    const [{ c }] = await this.cluster.db('process_instances').where({ key: KEY, status: 'completed' }).countDistinct({ c: 'business_key' });
    this.lastResult = Number(n) === 0 && Number(c) >= this.confirmed.size;
    return this.lastResult;
  }
}

/** Counts from the database and the simulator what happened, once and more than once. */
async function count(cluster: LocalCluster, driver: Driver, simulator: SideEffectServer, auditOk: boolean): Promise<KillReport> {
  const db = cluster.db;
  const perKey = (await db('process_instances').where({ key: KEY }).groupBy('business_key').select('business_key', db.raw('count(*)::int AS n'), db.raw(`count(*) FILTER (WHERE status = 'completed')::int AS done`))) as Array<{ business_key: string; n: number; done: number }>;
  const instanceIds = (await db('process_instances').where({ key: KEY }).pluck('id')) as string[];
  const excess = (rows: Array<{ n: number | string }>) => rows.reduce((sum, row) => sum + Math.max(0, Number(row.n) - 1), 0);
  const grouped = async (action: string, by: string) =>
    (await db('audit_events').where({ action }).groupByRaw(by).select(db.raw(`${by} AS k`), db.raw('count(*)::int AS n'))) as Array<{ k: string; n: number }>;

  const completedEntries = await grouped('processInstance.completed', 'entity_id');
  const taskCompletions = await grouped('task.completed', 'entity_id');
  const tasksPerInstance = (await db('user_tasks').whereIn('instance_id', instanceIds).groupBy('instance_id').select(db.raw('count(*)::int AS n'))) as Array<{ n: number }>;
  const timersPerJob = await grouped('timer.fired', 'entity_id');
  const timersPerInstance = await grouped('timer.fired', "after->>'instanceId'");
  const jobsCompletedPerInstance = await grouped('job.completed', "after->>'instanceId'");
  const effects = [...simulator.effectsByOrder.values()];
  const duplicateBreakdown = {
    instancesPerBusinessKey: excess(perKey),
    instanceCompletions: excess(completedEntries),
    taskCompletions: excess(taskCompletions),
    tasksPerInstance: excess(tasksPerInstance),
    timerFirings: excess(timersPerJob) + excess(timersPerInstance),
    serviceCompletions: excess(jobsCompletedPerInstance),
    connectorEffects: effects.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  };
  const duplicates = Object.values(duplicateBreakdown).reduce((a, b) => a + b, 0);
  const completedKeys = perKey.filter((row) => row.done > 0).length;
  const attempted = driver.confirmed.size + driver.unconfirmed.size;
  const [{ stuck }] = await db('jobs').whereIn('status', ['pending', 'running', 'failed']).count({ stuck: '*' });
  const [{ incidents }] = await db('incidents').where({ status: 'open' }).count({ incidents: '*' });
  const [{ reclaimed }] = await db('jobs').where('attempts', '>', 1).count({ reclaimed: '*' });
  const counts: KillCounts = {
    instances: perKey.length,
    completed: completedKeys,
    duplicates,
    lost: attempted - completedKeys,
    timersFired: timersPerJob.reduce((sum, row) => sum + row.n, 0),
    stuckJobs: Number(stuck) + Number(incidents),
    auditOk,
  };
  return {
    counts,
    details: {
      attempted,
      unconfirmedStarts: driver.unconfirmed.size,
      tasksCompleted: taskCompletions.length,
      serviceJobsCompleted: jobsCompletedPerInstance.length,
      ordersWithEffect: effects.length,
      duplicateBreakdown,
      jobsClaimedMoreThanOnce: Number(reclaimed),
      connector: simulator.stats,
      driver: driver.stats,
    },
  };
}
