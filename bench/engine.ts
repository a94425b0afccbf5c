// Engine benchmark: naive bpmn-engine (a new Engine from XML per instance) against the Gemba host
// (cached definition, one new engine per event), on one core and on both.
//
//   npx tsx bench/engine.ts                      every case, 1 process, then 2 processes
//   npx tsx bench/engine.ts --case host-start --seconds 5 --parallel 2
//   node --cpu-prof --import tsx bench/engine.ts --case host-complete --parallel 1
//
// Each case runs for --seconds (default 3) after a warm-up and reports operations per second
// (wall clock) and CPU milliseconds per operation (process.cpuUsage: main thread plus the GC's
// helper threads). See bench/README.md for the findings.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import BpmnModdle from 'bpmn-moddle';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json';
import serializeContext, { TypeResolver } from 'moddle-context-serializer';
import * as Elements from 'bpmn-elements';
import type { RunResult, StoredState } from '../server/engine';
import { compileDefinition, EnginePool, runEventSync } from '../server/engine';

// bpmn-engine is ESM with a CommonJS build; its types do not resolve under nodenext/CommonJS.
const { Engine } = require('bpmn-engine') as { Engine: new (options: Record<string, unknown>) => any };

export const SIMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Bench" targetNamespace="http://gemba.dev/bench">
  <process id="simple" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <userTask id="task" name="Confirm" camunda:candidateGroups="operator" />
    <sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <endEvent id="end" />
  </process>
</definitions>`;

const noop = () => undefined;
const QUIET = () => ({ debug: noop, warn: noop, error: noop });
const NOW = () => new Date();

type Case = { name: string; what: string; setup(): Promise<() => Promise<void> | void>; stateBytes?: () => Promise<number> };

async function naiveStart(options: Record<string, unknown>) {
  const engine = new Engine({ moddleOptions: { camunda }, ...options });
  const listener = new EventEmitter();
  let waiting = false;
  listener.once('wait', () => (waiting = true));
  await engine.execute({ listener, variables: { orderId: 'WO-1' } });
  if (!waiting) throw new Error('no wait');
  const state = await engine.getState();
  for (const definition of state.definitions) delete definition.source;
  return JSON.stringify(state);
}

async function hostStartState(): Promise<{ definition: Awaited<ReturnType<typeof compileDefinition>>; json: string; executionId: string }> {
  const definition = await compileDefinition(SIMPLE);
  const result = runEventSync(definition, undefined, { type: 'start', variables: { orderId: 'WO-1' } }, { now: NOW() });
  return { definition, json: JSON.stringify(result.state), executionId: result.snapshot!.userTasks[0].executionId };
}

function check(result: RunResult, status: string) {
  if (result.outcome.status !== status) throw new Error(`unexpected outcome ${JSON.stringify(result.outcome)}`);
}

export const CASES: Case[] = [
  {
    name: 'naive-start',
    what: 'bpmn-engine: new Engine({ source: xml }) per instance, default (debug) logger, run to the user task, getState',
    async setup() {
      return () => naiveStart({ source: SIMPLE }).then(noop);
    },
    stateBytes: async () => (await naiveStart({ source: SIMPLE })).length,
  },
  {
    name: 'engine-cached-start',
    what: 'bpmn-engine with the serialized context cached (sourceContext), default logger',
    async setup() {
      const moddleContext = await new BpmnModdle({ camunda }).fromXML(SIMPLE);
      const sourceContext = serializeContext(moddleContext as any, TypeResolver(Elements as any));
      return () => naiveStart({ sourceContext }).then(noop);
    },
  },
  {
    name: 'engine-quiet-start',
    what: 'bpmn-engine with cached context and a no-op Logger',
    async setup() {
      const moddleContext = await new BpmnModdle({ camunda }).fromXML(SIMPLE);
      const sourceContext = serializeContext(moddleContext as any, TypeResolver(Elements as any));
      return () => naiveStart({ sourceContext, Logger: QUIET }).then(noop);
    },
  },
  {
    name: 'host-start-formatting',
    what: 'Gemba host, bpmn-elements driven directly, with bpmn-elements\u2019 own message formatting',
    async setup() {
      const definition = await compileDefinition(SIMPLE);
      return () => check(runEventSync(definition, undefined, { type: 'start', variables: { orderId: 'WO-1' } }, { now: NOW() }, { passThroughFormatting: false }), 'running');
    },
  },
  {
    name: 'host-start',
    what: 'Gemba host (cached definition, pass-through formatting): start to the user task, compact state',
    async setup() {
      const definition = await compileDefinition(SIMPLE);
      return () => check(runEventSync(definition, undefined, { type: 'start', variables: { orderId: 'WO-1' } }, { now: NOW() }), 'running');
    },
    stateBytes: async () => (await hostStartState()).json.length,
  },
  {
    name: 'naive-complete',
    what: 'bpmn-engine: new Engine({ source }) + recover(state with source) + resume + signal + getState',
    async setup() {
      const engine = new Engine({ source: SIMPLE, moddleOptions: { camunda } });
      const listener = new EventEmitter();
      await engine.execute({ listener });
      const json = JSON.stringify(await engine.getState());
      return async () => {
        const next = new Engine({ source: SIMPLE, moddleOptions: { camunda } }).recover(JSON.parse(json));
        const l = new EventEmitter();
        let api: any;
        l.on('wait', (a: unknown) => (api = a));
        await next.resume({ listener: l });
        api.signal({ ok: true });
        JSON.stringify(await next.getState());
      };
    },
  },
  {
    name: 'host-complete',
    what: 'Gemba host: parse stored JSON, recover into a new engine, complete the task (instance ends)',
    async setup() {
      const { definition, json, executionId } = await hostStartState();
      return () => check(runEventSync(definition, JSON.parse(json) as StoredState, { type: 'completeUserTask', executionId, output: { ok: true } }, { now: NOW() }), 'completed');
    },
  },
  {
    name: 'host-message',
    what: 'Gemba host: recover an instance waiting at the task and apply an event it ignores (recover + resume + snapshot only)',
    async setup() {
      const { definition, json } = await hostStartState();
      return () => {
        const result = runEventSync(definition, JSON.parse(json) as StoredState, { type: 'message', name: 'none' }, { now: NOW() });
        if (result.applied) throw new Error('unexpected');
      };
    },
  },
];

type Measured = { case: string; processes: number; ops: number; opsPerSecond: number; cpuMsPerOp: number; cpuMsPerOpBest: number; heapMb: number };

/**
 * Runs a case for `seconds`: overall ops/s on the wall clock, CPU per op over the whole run, and
 * the best CPU per op of 20-op batches. On a shared machine other processes inflate both the wall
 * time and the CPU time (caches, hyper-threads); the best batch is the figure closest to an idle
 * machine, the overall figure what this run got.
 */
async function measure(name: string, seconds: number): Promise<Measured> {
  const spec = CASES.find((c) => c.name === name);
  if (!spec) throw new Error(`unknown case ${name}`);
  const op = await spec.setup();
  const warmUntil = Date.now() + Math.min(1000, seconds * 300);
  while (Date.now() < warmUntil) await op();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let ops = 0;
  let best = Infinity;
  while (performance.now() < end) {
    const batch0 = process.cpuUsage();
    for (let i = 0; i < 20; i++) await op();
    const batch = process.cpuUsage(batch0);
    best = Math.min(best, (batch.user + batch.system) / 1000 / 20);
    ops += 20;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    case: name,
    processes: 1,
    ops,
    opsPerSecond: (ops / wallMs) * 1000,
    cpuMsPerOp: (cpu.user + cpu.system) / 1000 / ops,
    cpuMsPerOpBest: best,
    heapMb: process.memoryUsage().heapUsed / 1e6,
  };
}

/**
 * Interleaves two cases in one process, 10-op batches in turn for `seconds`: both see the same
 * machine load, so the ratio of their CPU per op holds on a busy machine where absolute figures
 * do not.
 */
async function compare(names: string[], seconds: number) {
  const specs = names.map((n) => {
    const spec = CASES.find((c) => c.name === n);
    if (!spec) throw new Error(`unknown case ${n}`);
    return spec;
  });
  const ops = await Promise.all(specs.map((s) => s.setup()));
  for (const op of ops) for (let i = 0; i < 100; i++) await op();
  const samples: number[][] = specs.map(() => []);
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (let k = 0; k < ops.length; k++) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 10; i++) await ops[k]();
      const c = process.cpuUsage(c0);
      samples[k].push((c.user + c.system) / 1000 / 10);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = specs.map((spec, k) => ({
    case: spec.name,
    batches: samples[k].length,
    'median CPU ms/op': Number(median(samples[k]).toFixed(3)),
    'best CPU ms/op': Number(Math.min(...samples[k]).toFixed(3)),
    'vs first (median)': Number((median(samples[k]) / median(samples[0])).toFixed(3)),
  }));
  console.table(rows);
}

function runChild(name: string, seconds: number, nodeFlags: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, ...process.execArgv, __filename, '--child', name, '--seconds', String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child for ${name} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() as string) as Measured);
    });
  });
}

async function inParallel(name: string, seconds: number, processes: number, nodeFlags: string[]): Promise<Measured> {
  const results = await Promise.all(Array.from({ length: processes }, () => runChild(name, seconds, nodeFlags)));
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  return {
    case: name,
    processes,
    ops,
    opsPerSecond: results.reduce((sum, r) => sum + r.opsPerSecond, 0),
    cpuMsPerOp: results.reduce((sum, r) => sum + r.cpuMsPerOp * r.ops, 0) / ops,
    cpuMsPerOpBest: Math.min(...results.map((r) => r.cpuMsPerOpBest)),
    heapMb: Math.max(...results.map((r) => r.heapMb)),
  };
}

/**
 * Throughput through the EnginePool (worker threads) with `inFlight` runs outstanding: starts,
 * then completions of the started instances. This is what a server process gets from both cores.
 */
async function poolThroughput(size: number, seconds: number, inFlight = 16) {
  const pool = new EnginePool({ size, youngGenerationMb: Number(process.env.GEMBA_BENCH_YOUNG_MB) || undefined });
  const version = { id: 'bench', loadXml: () => SIMPLE };
  await Promise.all(Array.from({ length: size * 4 }, () => pool.run(version, undefined, { type: 'start' }, { now: NOW() })));
  const waiting: RunResult[] = [];
  // `work` answers false when there is nothing left to do.
  const phase = async (work: () => Promise<boolean>) => {
    const end = performance.now() + seconds * 1000;
    let ops = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end && (await work())) ops++;
      }),
    );
    return (ops / (performance.now() - t0)) * 1000;
  };
  const starts = await phase(async () => {
    const r = await pool.run(version, undefined, { type: 'start', variables: { orderId: 'WO-1' } }, { now: NOW() });
    check(r, 'running');
    waiting.push(r);
    return true;
  });
  const completions = await phase(async () => {
    const r = waiting.pop();
    if (!r) return false;
    check(await pool.run(version, r.state, { type: 'completeUserTask', executionId: r.snapshot!.userTasks[0].executionId, output: { ok: true } }, { now: NOW() }), 'completed');
    return true;
  });
  await pool.close();
  return { starts, completions };
}

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main() {
  const seconds = Number(arg('seconds') ?? 3);
  const child = arg('child');
  if (child) {
    process.stdout.write(`${JSON.stringify(await measure(child, seconds))}\n`);
    return;
  }
  if (arg('ab')) {
    console.log(`node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    return compare((arg('ab') as string).split(','), seconds);
  }
  if (arg('pool')) {
    console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const size of (arg('pool') as string).split(',').map(Number)) {
      const r = await poolThroughput(size, seconds);
      console.log(`EnginePool size ${size}: ${Math.round(r.starts)} starts/s, ${Math.round(r.completions)} completions/s`);
    }
    return;
  }
  const names = arg('case') ? [arg('case') as string] : CASES.map((c) => c.name);
  const parallel = arg('parallel') ? [Number(arg('parallel'))] : [1, 2];
  // Node flags for the measuring processes (e.g. --max-semi-space-size=32), after `--node`.
  const nodeFlags = (arg('node') ?? '').split(' ').filter(Boolean);
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}${nodeFlags.length ? `, flags ${nodeFlags.join(' ')}` : ''}`);
  const rows: Record<string, unknown>[] = [];
  for (const processes of parallel) {
    for (const name of names) {
      const r = await inParallel(name, seconds, processes, nodeFlags);
      rows.push({
        case: name,
        processes,
        'ops/s': Math.round(r.opsPerSecond),
        'CPU ms/op': Number(r.cpuMsPerOp.toFixed(2)),
        'best CPU ms/op': Number(r.cpuMsPerOpBest.toFixed(2)),
        'heap MB': Math.round(r.heapMb),
      });
    }
  }
  console.table(rows);
  if (!arg('case')) {
    const sizes: Record<string, number> = {};
    for (const spec of CASES) if (spec.stateBytes) sizes[spec.name] = await spec.stateBytes();
    console.log('stored state bytes at the user task:', sizes);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
