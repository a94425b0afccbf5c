import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const requireFromRoot = createRequire(path.join(repoRoot, 'package.json'));

const LINT_CONFIG_ID = 'virtual:gemba-lint-config';

/** The rule modules as the compiled config imports them (`bpmnlint-plugin-gemba/rules/<name>`). */
function ruleImports(pkg: string): string[] {
  const dir = path.join(path.dirname(requireFromRoot.resolve(`${pkg}/package.json`)), 'rules');
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.js'))
    .map((file) => `${pkg}/rules/${file.slice(0, -3)}`);
}

/**
 * Bundles the server's submit-gate lint config (`plugin:gemba/gate` from server/bpmn/lint, via the
 * `bpmnlint-plugin-gemba` package) for bpmn-js-bpmnlint, the way rollup-plugin-bpmnlint does:
 * bpmnlint compiles the config into a module that imports every enabled rule. The rules are the
 * server's own files, never copies, so the modeler and the gate judge a model alike.
 */
function gembaLintConfig(): Plugin {
  return {
    name: 'gemba-lint-config',
    resolveId(id) {
      return id === LINT_CONFIG_ID ? `\0${LINT_CONFIG_ID}` : null;
    },
    async load(id) {
      if (id !== `\0${LINT_CONFIG_ID}`) return null;
      const compileConfig = requireFromRoot('bpmnlint/lib/support/compile-config');
      const NodeResolver = requireFromRoot('bpmnlint/lib/resolver/node-resolver');
      const resolver = new NodeResolver({ require: requireFromRoot });
      return compileConfig({ extends: 'plugin:gemba/gate' }, resolver);
    },
  };
}

// The API server the dev server forwards to (`npm run dev:modeler` next to a running `npm start`).
const apiTarget = process.env.GEMBA_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [gembaLintConfig()],
  resolve: {
    alias: {
      // The BPMN extension descriptor shared with the server (never copied).
      '@gemba/moddle': path.join(repoRoot, 'server/bpmn/gemba-moddle.json'),
    },
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/socket.io': { target: apiTarget, ws: true },
      '/health': apiTarget,
      '/ready': apiTarget,
    },
  },
  optimizeDeps: {
    // The gate's rules are CommonJS files of a linked package outside node_modules; the dev
    // server must pre-bundle them like any dependency (the build handles CommonJS everywhere).
    include: ['bpmnlint', ...ruleImports('bpmnlint'), ...ruleImports('bpmnlint-plugin-gemba')],
  },
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
});
