// Rollup with only the plugin every Rollup app has to find npm packages.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'main.js',
  output: { file: 'dist/bundle.js', format: 'es' },
  plugins: [nodeResolve()],
};
