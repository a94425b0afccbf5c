// Sustained load (issue 9): a server (or a small cluster) on a fresh PostgreSQL database of its
// own, driven at a steady rate for minutes, as a plant runs it through a shift:
//
//   npm run bench:sustained                                  10 minutes at half the measured maximum
//   npm run bench:sustained -- --minutes 2 --rate 20         2 minutes at 20 instances/s
//   npm run bench:sustained -- --minutes 1 --nodes 3         three nodes behind a round robin
//
// Each instance: start → 1-second timer → user task → end. Starts arrive at the given rate (open
// loop: the next one does not wait for the last answer); four workers complete the tasks as they
// appear. Reported: p50/p99 latency of starts and completions after warm-up, job lag from a timer's
// due time to its firing (p50/p99/max, from the jobs table), and the resident memory of each
// server process after warm-up and at the end. The last line is one JSON object.
// DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test).
import os from 'node:os';
import fs from 'node:fs';
import { buildProcess, timer } from '../test/support/bpmn-builder';
import { DEMO_API_KEY, LocalCluster, api, releaseProcess, signIn } from '../test/chaos/cluster-harness';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const MINUTES = arg('minutes', 10);
const NODES = arg('nodes', 1);
/** 0: measure the maximum first and run at half of it. */
const RATE_ARG = process.argv.includes('--rate') ? arg('rate', 1) : 0;
// Warm-up: the first fifth of the run, at most two minutes (JIT, pools and caches settle).
const WARMUP_MS = Math.min(120_000, MINUTES * 60_000 * 0.2);
const KEY = 'sustained';

const PROCESS = buildProcess({
  id: KEY,
  name: 'Sustained: wait, check',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Order released' },
    { id: 'Wait', type: 'intermediateCatchEvent', name: 'One second', body: timer('timeDuration', 'PT1S') },
    { id: 'Check', type: 'userTask', name: 'Check the order', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'Done' },
  ],
  flows: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Check' },
    { from: 'Check', to: 'End' },
  ],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (n: number) => Math.round(n * 10) / 10;

/** Resident memory of a process in MiB (Linux /proc). */
function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

type Sample = { at: number; ms: number; ok: boolean };

async function main() {
  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const cluster = await LocalCluster.create({ nodes: NODES, env: { GEMBA_DB_POOL_MAX: '20' } });
  try {
    await cluster.startAll();
    const urls = cluster.nodes.map((node) => node.url);
    await releaseProcess(urls[0], PROCESS);
    const operator = await signIn(urls[0], 'operator');
    const key = { 'x-api-key': DEMO_API_KEY };
    let next = 0;
    const url = () => urls[next++ % urls.length];
    let counter = 0;
    const startOne = async (): Promise<boolean> => {
      const answer = await api(url(), 'POST', `/api/v1/processes/${KEY}/instances`, key, { businessKey: `S-${counter++}` });
      return answer.status === 201;
    };

    // Tasks are completed from the start, so that the measurement below leaves no backlog.
    let stopWorkers = false;
    let measuring = false;
    const completions: Sample[] = [];
    const working = new Set<string>();
    const workers = Array.from({ length: 4 }, async (_, worker) => {
      while (!stopWorkers) {
        const list = await api(url(), 'GET', `/api/v1/tasks?view=workable&key=${KEY}&limit=50`, operator);
        const tasks = list.status === 200 ? ((list.body as { items: Array<{ id: string }> }).items ?? []) : [];
        const mine = tasks.filter((task) => !working.has(task.id) && parseInt(task.id.slice(0, 8), 16) % 4 === worker);
        if (mine.length === 0) {
          await sleep(200);
          continue;
        }
        for (const task of mine) {
          working.add(task.id);
          const s = performance.now();
          const answer = await api(url(), 'POST', `/api/v1/tasks/${task.id}/complete`, operator, { variables: { checked: true } });
          if (measuring) completions.push({ at: Date.now(), ms: performance.now() - s, ok: answer.status === 200 });
          working.delete(task.id);
        }
      }
    });

    /** Waits (up to a minute) until every instance has reached its end. */
    const drained = async () => {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const [{ n }] = await cluster.db('process_instances').where({ key: KEY, status: 'running' }).count({ n: '*' });
        if (Number(n) === 0) return;
        await sleep(500);
      }
    };

    let rate = RATE_ARG;
    if (!rate) {
      // Maximum: starts alone, 16 callers back to back for 15 s.
      console.log('measuring the maximum start rate (15 s, 16 concurrent callers) …');
      let done = 0;
      const until = Date.now() + 15_000;
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (Date.now() < until) if (await startOne()) done++;
      }));
      const max = done / ((Date.now() - t0) / 1000);
      rate = Math.max(1, Math.floor(max / 2));
      console.log(`maximum ≈ ${max.toFixed(0)} starts/s with tasks completed alongside; running at ${rate}/s`);
      await drained();
    }

    console.log(`sustained run: ${MINUTES} min at ${rate} instances/s on ${NODES} node(s); warm-up ${WARMUP_MS / 1000} s`);
    measuring = true;
    const t0 = Date.now();
    const runUntil = t0 + MINUTES * 60_000;
    const warmEnd = t0 + WARMUP_MS;
    const starts: Sample[] = [];
    const memory: Array<{ at: number; mib: number[] }> = [];
    let dropped = 0;
    let inFlight = 0;

    const memoryTimer = setInterval(() => memory.push({ at: Date.now(), mib: cluster.nodes.map((node) => rssMiB(node.child?.pid)) }), 5_000);

    const driver = (async () => {
      const pending = new Set<Promise<void>>();
      for (let i = 0; ; i++) {
        const due = t0 + (i * 1000) / rate;
        if (due >= runUntil) break;
        await sleep(Math.max(0, due - Date.now()));
        // An overloaded server must not make the driver pile up requests without bound.
        if (inFlight >= 200) {
          dropped++;
          continue;
        }
        inFlight++;
        const s = performance.now();
        const request = startOne().then((ok) => {
          inFlight--;
          starts.push({ at: Date.now(), ms: performance.now() - s, ok });
        });
        pending.add(request);
        void request.finally(() => pending.delete(request));
      }
      await Promise.all(pending);
    })();

    const progress = setInterval(() => {
      const last = starts.filter((sample) => sample.at > Date.now() - 30_000).map((sample) => sample.ms);
      console.log(`  ${((Date.now() - t0) / 60_000).toFixed(1)} min: ${starts.length} started, ${completions.length} completed, start p99 (last 30 s) ${round(percentile(last, 99))} ms, RSS ${memory.at(-1)?.mib.map((m) => m.toFixed(0)).join('/')} MiB`);
    }, 30_000);

    await driver;
    await drained();
    stopWorkers = true;
    await Promise.all(workers);
    clearInterval(progress);
    clearInterval(memoryTimer);
    memory.push({ at: Date.now(), mib: cluster.nodes.map((node) => rssMiB(node.child?.pid)) });

    const after = (samples: Sample[]) => samples.filter((sample) => sample.at >= warmEnd);
    const ms = (samples: Sample[]) => after(samples).map((sample) => sample.ms);
    const lag = await cluster.db.raw(
      `SELECT count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              max(ms) AS max
         FROM (SELECT extract(epoch FROM (finished_at - due_at)) * 1000 AS ms FROM jobs
                WHERE kind = 'timer' AND status = 'done' AND due_at >= ?) AS lags`,
      [new Date(warmEnd)],
    );
    const jobLag = lag.rows[0] as { n: number; p50: number; p99: number; max: number };
    const [{ backlog }] = await cluster.db('jobs').whereIn('status', ['pending', 'running']).where('due_at', '<', new Date(Date.now() - 5_000)).count({ backlog: '*' });
    const warm = memory.find((sample) => sample.at >= warmEnd) ?? memory[0];
    const end = memory.at(-1)!;
    const growth = end.mib.map((mib, i) => (mib - warm.mib[i]) / warm.mib[i]);
    const result = {
      minutes: MINUTES,
      nodes: NODES,
      rate,
      started: starts.filter((sample) => sample.ok).length,
      completed: completions.filter((sample) => sample.ok).length,
      errors: starts.filter((sample) => !sample.ok).length + completions.filter((sample) => !sample.ok).length,
      dropped,
      startP50Ms: round(percentile(ms(starts), 50)),
      startP99Ms: round(percentile(ms(starts), 99)),
      completeP50Ms: round(percentile(ms(completions), 50)),
      completeP99Ms: round(percentile(ms(completions), 99)),
      timersMeasured: jobLag.n,
      jobLagP50Ms: round(Number(jobLag.p50)),
      jobLagP99Ms: round(Number(jobLag.p99)),
      jobLagMaxMs: round(Number(jobLag.max)),
      overdueJobsAtEnd: Number(backlog),
      rssWarmMiB: warm.mib.map(round),
      rssEndMiB: end.mib.map(round),
      rssGrowthPct: growth.map((g) => round(g * 100)),
    };
    console.log(`starts: p50 ${result.startP50Ms} ms, p99 ${result.startP99Ms} ms; completions: p50 ${result.completeP50Ms} ms, p99 ${result.completeP99Ms} ms (after warm-up)`);
    console.log(`job lag due → fired: p50 ${result.jobLagP50Ms} ms, p99 ${result.jobLagP99Ms} ms, max ${result.jobLagMaxMs} ms over ${result.timersMeasured} timers`);
    console.log(`resident memory after warm-up ${result.rssWarmMiB.join('/')} MiB, at the end ${result.rssEndMiB.join('/')} MiB (${result.rssGrowthPct.join('/')} %)`);
    console.log(JSON.stringify(result));
  } finally {
    await cluster.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
