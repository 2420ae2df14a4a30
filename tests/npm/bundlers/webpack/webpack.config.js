// webpack 5 with nothing for duplex-ws: no loader, no experiments.
import path from 'node:path';

export default {
  mode: 'production',
  entry: './main.js',
  output: { path: path.join(import.meta.dirname, 'dist'), filename: 'bundle.js' },
};
