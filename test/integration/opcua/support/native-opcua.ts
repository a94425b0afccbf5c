/**
 * node-opcua 2.186 is ESM-only. Node 20.20 can require() it, but jest's module registry cannot
 * (jest supports require(esm) only on Node >= 24.9), so test files map 'node-opcua' to the copy
 * Node itself loads:
 *
 *   jest.mock('node-opcua', () => require('./support/native-opcua').loadNativeOpcua());
 *
 * jest replaces `createRequire` on the 'module' builtin it hands to tests; the class it hands out
 * extends Node's own Module, whose static createRequire is the real one. The module then lives in
 * Node's realm: code under test must not use `instanceof Date/Error` on what node-opcua returns.
 */
export function loadNativeOpcua(): unknown {
  const jestModule = require('node:module') as { createRequire: NodeJS.Require } & object;
  const nodeModule = Object.getPrototypeOf(jestModule) as { createRequire(path: string): NodeJS.Require };
  return nodeModule.createRequire(__filename)('node-opcua');
}
