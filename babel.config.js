// Used by jest only (the build uses tsc): TypeScript and ESM-only dependencies become CommonJS.
module.exports = {
  presets: [['@babel/preset-env', { targets: { node: '20.19' } }], ['@babel/preset-typescript', { allowDeclareFields: true }]],
};
