// Builds the 429chain view as a Module Federation container that Hawtio 4.2 (hawtio-war) loads after login.
// React, ReactDOM and @hawtio/react come from the console itself (import: false), so the view shares its
// Jolokia connection, session and notifications, and the bundle stays small. Output: OUT (mvn sets it) or dist/.
const path = require('path')
const { ModuleFederationPlugin } = require('webpack').container

const out = path.resolve(process.env.OUT || path.join(__dirname, 'dist'))

module.exports = {
  mode: 'production',
  entry: {},
  output: { path: out, publicPath: 'auto', clean: true },
  resolve: { extensions: ['.tsx', '.ts', '.js'] },
  module: {
    rules: [{ test: /\.tsx?$/, loader: 'esbuild-loader', options: { target: 'es2020', jsx: 'transform' } }],
  },
  plugins: [
    new ModuleFederationPlugin({
      // 'scope' and 'module' of the hawtio:type=plugin,name=429chain MBean (io.chain429.ops.ConsolePlugin)
      name: 'chain429',
      filename: 'remoteEntry.js',
      exposes: { './plugin': './src/index.ts' },
      shared: {
        // hawtio-war 4.2.0 offers @hawtio/react 1.5.0, React 18.3.1
        react: { singleton: true, import: false, requiredVersion: '^18.2.0' },
        'react-dom': { singleton: true, import: false, requiredVersion: '^18.2.0' },
        '@hawtio/react': { singleton: true, import: false, requiredVersion: '^1.5.0' },
      },
    }),
  ],
  performance: { hints: false },
}
