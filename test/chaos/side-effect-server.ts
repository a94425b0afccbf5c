import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small deterministic PRNG (mulberry32), so that a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A simulated ERP operation with a side effect (say, booking an order confirmation) that fails a
 * share of calls at random, half of them *after* the effect happened (the answer is lost, as when
 * a connection drops). It honours `Idempotency-Key` like a well-behaved service: a key it has seen
 * is answered from memory without a second effect. It counts effects per order: an order booked
 * twice under two different keys is a duplicate side effect the platform caused.
 */
export class SideEffectServer {
  /** New effects per order id. */
  readonly effectsByOrder = new Map<string, number>();
  readonly stats = { calls: 0, failedBefore: 0, failedAfter: 0, replays: 0, effects: 0 };
  private readonly answers = new Map<string, { order: string; receipt: string }>();
  private server?: http.Server;
  private readonly random: () => number;

  /** `latencyMs`: each answer comes after a random delay up to this long, as a real ERP's would. */
  constructor(private readonly options: { failureRate: number; seed: number; latencyMs?: number }) {
    this.random = seededRandom(options.seed);
  }

  /** Listens on a free port of 127.0.0.1; resolves with the base URL. */
  async start(): Promise<string> {
    this.server = http.createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const match = /^\/effects\/([^/?]+)$/.exec(request.url ?? '');
    const key = request.headers['idempotency-key'];
    // The body is not needed: the order is in the path. Drain it so the connection can be reused.
    request.resume();
    request.on('end', () => {
      if (request.method === 'GET') return this.reply(response, 200, { ok: true });
      if (request.method !== 'POST' || !match || typeof key !== 'string') return this.reply(response, 400, { error: 'POST /effects/:order with an Idempotency-Key' });
      this.stats.calls += 1;
      const order = decodeURIComponent(match[1]);
      const known = this.answers.get(key);
      if (known) {
        this.stats.replays += 1;
        return this.reply(response, 200, known);
      }
      const roll = this.random();
      if (roll < this.options.failureRate / 2) {
        this.stats.failedBefore += 1;
        return this.reply(response, 503, { error: 'temporarily unavailable' });
      }
      // The effect happens once per key, at the moment the key is first accepted.
      this.stats.effects += 1;
      this.effectsByOrder.set(order, (this.effectsByOrder.get(order) ?? 0) + 1);
      const answer = { order, receipt: `R-${order}-${this.stats.effects}` };
      this.answers.set(key, answer);
      if (roll < this.options.failureRate) {
        this.stats.failedAfter += 1;
        return this.reply(response, 503, { error: 'the answer was lost' });
      }
      this.reply(response, 200, answer);
    });
  }

  private reply(response: http.ServerResponse, status: number, body: unknown): void {
    const send = () => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const delay = this.options.latencyMs ? Math.floor(this.random() * this.options.latencyMs) : 0;
    if (delay > 0) setTimeout(send, delay);
    else send();
  }
}
