// supctl bundled into one file after tsc: it starts once per command (health checks run
// `supctl status` every few seconds), and one file loads ~40 ms sooner than tsc's tree of modules
// plus saxes from node_modules. It bundles tsc's output, so the JavaScript is what tsc emits and the
// tests exercise; it overwrites dist/cli/supctl.js, the bin. supd is not bundled: it starts once.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/supctl.js',
  platform: 'node',
  // yargs prints help only, and finds its locale files next to itself in node_modules.
  external: ['yargs'],
  output: {
    dir: 'dist/cli',
    format: 'esm',
    entryFileNames: 'supctl.js',
    // Loaded on demand: help (yargs), tree (/proc).
    chunkFileNames: 'supctl-[name].js',
    sourcemap: true,
  },
});
