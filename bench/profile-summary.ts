// Summarises a V8 CPU profile (node --cpu-prof): self time by package and the hottest functions,
// plus inclusive time of the functions matching --match.
//
//   npx tsx bench/engine.ts --case host-start --parallel 1 --node "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   npx tsx bench/profile-summary.ts /tmp/prof/<largest>.cpuprofile --match "engine/|getState|run "
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const file = process.argv[2];
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [--top N] [--match regexp]');
  process.exit(1);
}
const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const top = Number(flag('top') ?? 25);
const match = flag('match') ? new RegExp(flag('match') as string) : undefined;

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
const pkg = (n: Node) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName || '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.replace(/.*node_modules\//, 'node_modules/'));
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node internals';
  return url.includes('/server/') ? 'gemba server' : url.includes('/bench/') ? 'bench' : 'other';
};

let total = 0;
const self = new Map<string, number>();
const packages = new Map<string, number>();
const inclusive = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const node = byId.get(id) as Node;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  packages.set(pkg(node), (packages.get(pkg(node)) ?? 0) + dt);
  if (match) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const key = label(byId.get(cur) as Node);
      if (!seen.has(key) && match.test(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
      }
    }
  }
});

const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
console.log('self time by package');
for (const [k, t] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(pct(t), k);
console.log('\nhottest functions (self)');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(t), k);
if (match) {
  console.log('\ninclusive time of matching functions');
  for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(t), k);
}
