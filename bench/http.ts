// Gemba over HTTP on PostgreSQL, measured as a plant would see it, next to naive bpmn-engine:
//
//   npm run bench                       (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test)
//   npm run bench -- --seconds 10 --concurrency 32 --rate 300
//
// It builds the server, starts it on a fresh database of its own (gemba_bench), releases a simple
// process (start → user task → end) through the controlled path, then measures:
//   (a) naive bpmn-engine in memory: a new Engine from XML per instance, run to the first user task;
//   (b) Gemba: instances started and run to their first user task per second (HTTP, API key);
//       task completions per second; p50/p99 latency of starts at a fixed rate; stored bytes per
//       waiting instance. The last line is one JSON object with the headline figures.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { knex } from 'knex';
import { CASES } from './engine';

const ROOT = path.resolve(__dirname, '..');
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const CONCURRENCY = arg('concurrency', 32);
const RATE = arg('rate', 300);
const PORT = arg('port', 3917);
// Extra node flags for the server process, e.g. --node "--cpu-prof --cpu-prof-dir=/tmp/prof".
const NODE_FLAGS = (() => {
  const i = process.argv.indexOf('--node');
  return i > 0 ? process.argv[i + 1].split(/\s+/).filter(Boolean) : [];
})();
const API_KEY = 'gak_bench-key-0123456789abcdef0123456789';
const PASSWORD = 'Gemba-demo-2026';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_bench" targetNamespace="http://gemba.dev/bench">
  <bpmn:process id="bench-simple" name="Bench simple" isExecutable="true">
    <bpmn:startEvent id="Start" name="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task" name="Confirm" camunda:candidateGroups="operator"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End" name="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Task" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="bench-simple">
    <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Task_di" bpmnElement="Task"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;

const base = `http://127.0.0.1:${PORT}`;
// The load generator shares the two cores with the server: node:http with kept-alive sockets
// costs a fraction of fetch's CPU per request, which leaves that CPU to what is measured.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function call(method: string, route: string, headers: Record<string, string>, body?: unknown): Promise<any> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}${route}`,
      { method, agent, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = response.headers['content-type']?.includes('json') && text ? JSON.parse(text) : undefined;
          if ((response.statusCode ?? 500) >= 300) reject(new Error(`${method} ${route} → ${response.statusCode} ${text}`));
          else resolve(json);
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
const login = async (username: string) => ({ authorization: `Bearer ${(await call('POST', '/api/v1/auth/login', {}, { username, password: PASSWORD })).token}` });

async function freshDatabase(): Promise<string> {
  const admin = knex({ client: 'pg', connection: SERVER_URL });
  await admin.raw('DROP DATABASE IF EXISTS gemba_bench WITH (FORCE)');
  await admin.raw('CREATE DATABASE gemba_bench');
  await admin.destroy();
  const url = new URL(SERVER_URL);
  url.pathname = '/gemba_bench';
  return url.toString();
}

async function startServer(databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, 'dist/server/main.js'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', GEMBA_DEMO_API_KEY: API_KEY, GEMBA_SEED_DEMO: 'true', GEMBA_DB_POOL_MAX: '20' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/ready`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

/** Runs `op` with `concurrency` callers for `seconds`; returns completed operations per second. */
async function closedLoop(seconds: number, concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  let done = 0;
  let next = 0;
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await op(next++);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

/** Completes every task with `concurrency` callers; returns completions per second. */
async function completeAll(ids: string[], concurrency: number, complete: (id: string) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) await complete(ids[next++]);
    }),
  );
  return ids.length / ((Date.now() - started) / 1000);
}

/** Sends `rate` operations per second for `seconds` regardless of answers; returns latencies in ms. */
async function openLoop(seconds: number, rate: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const total = seconds * rate;
  const interval = 1000 / rate;
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      (async () => {
        const s = performance.now();
        await op(i);
        latencies.push(performance.now() - s);
      })(),
    );
  }
  await Promise.all(inFlight);
  return latencies.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function naiveInstancesPerSecond(seconds: number): Promise<number> {
  const naive = CASES.find((c) => c.name === 'naive-start')!;
  const op = await naive.setup();
  for (let i = 0; i < 50; i++) await op();
  let n = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = Date.now();
  while (Date.now() < until) {
    await op();
    n++;
  }
  return n / ((Date.now() - t0) / 1000);
}

async function main() {
  console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log('building the server …');
  execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
  const databaseUrl = await freshDatabase();
  const server = await startServer(databaseUrl);
  try {
    const owner = await login('owner');
    const reviewer = await login('reviewer');
    const operator = await login('operator');
    const draft = await call('POST', '/api/v1/process-versions', owner, { xml: XML, changeReason: 'benchmark' });
    await call('POST', `/api/v1/process-versions/${draft.id}/submit`, owner, {});
    await call('POST', `/api/v1/process-versions/${draft.id}/approve`, reviewer, { password: PASSWORD, meaning: 'approved' });
    await call('POST', `/api/v1/process-versions/${draft.id}/release`, owner, { password: PASSWORD, meaning: 'released' });
    const key = { 'x-api-key': API_KEY };
    const startOne = async (i: number) => {
      const instance = await call('POST', '/api/v1/processes/bench-simple/instances', key, { businessKey: `B-${i}`, variables: { orderId: `WO-${i}` } });
      if (instance.openTasks.length !== 1) throw new Error('no task');
    };

    console.log(`warming up …`);
    await closedLoop(2, 8, startOne);

    console.log(`(b) starts: ${CONCURRENCY} concurrent callers for ${SECONDS} s …`);
    const instancesPerSec = await closedLoop(SECONDS, CONCURRENCY, startOne);

    const db = knex({ client: 'pg', connection: databaseUrl });
    const tasks = (await db('user_tasks').where({ status: 'open' }).select('id')).map((t: { id: string }) => t.id);
    const [{ avg }] = await db('process_instances').where({ status: 'running' }).avg({ avg: 'state_bytes' });
    const stateBytes = Math.round(Number(avg));
    console.log(`(b) completions: ${CONCURRENCY} concurrent callers over the ${tasks.length} open tasks …`);
    const completionsPerSec = await completeAll(tasks, CONCURRENCY, (id) => call('POST', `/api/v1/tasks/${id}/complete`, operator, { variables: {} }));

    console.log(`(b) latency of starts at a fixed ${RATE}/s for ${SECONDS} s …`);
    const latencies = await openLoop(SECONDS, RATE, (i) => startOne(1_000_000 + i));
    await db.destroy();

    console.log('(a) naive bpmn-engine in this process …');
    const naiveInstancesPerSec = await naiveInstancesPerSecond(Math.min(SECONDS, 5));

    const result = {
      instancesPerSec: Math.round(instancesPerSec),
      completionsPerSec: Math.round(completionsPerSec),
      p50MsAt300: Math.round(percentile(latencies, 50) * 10) / 10,
      p99MsAt300: Math.round(percentile(latencies, 99) * 10) / 10,
      stateBytes,
      naiveInstancesPerSec: Math.round(naiveInstancesPerSec),
    };
    console.log(`instances/s ${result.instancesPerSec} (naive in memory ${result.naiveInstancesPerSec}; ratio ${(result.instancesPerSec / result.naiveInstancesPerSec).toFixed(2)})`);
    console.log(`completions/s ${result.completionsPerSec}`);
    console.log(`latency at ${RATE}/s: p50 ${result.p50MsAt300} ms, p99 ${result.p99MsAt300} ms`);
    console.log(`stored state per waiting instance: ${stateBytes} bytes`);
    console.log(JSON.stringify({ instancesPerSec: result.instancesPerSec, completionsPerSec: result.completionsPerSec, p99MsAt300: result.p99MsAt300, stateBytes, naiveInstancesPerSec: result.naiveInstancesPerSec }));
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
