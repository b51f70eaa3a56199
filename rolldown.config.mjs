// supctl bundled into one file after tsc: it starts once per command (health checks run
// `supctl status` every few seconds), and one file loads ~40 ms sooner than tsc's tree of modules.
// It bundles tsc's output, so the JavaScript is what tsc emits and the
// tests exercise; it overwrites dist/cli/supctl.js, the bin. supd is bundled the same way into
// dist/cli/supd.js: its start is the time until the container's programs start.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'rolldown';

/**
 * `import { readFileSync } from "node:fs"` makes Node build an ES module facade of fs, which reads
 * every export, lazy ones included: fs.promises loads readline and 30 other internal modules,
 * ~10 ms at every start. process.getBuiltinModule (Node 22.3+) hands over the module itself; older
 * Nodes take the import() path. Build fails on an import form this does not rewrite.
 */
function builtinsWithoutFacades() {
  const NAMED = /^import \{([^}]*)\} from "(node:[a-z0-9_/]+)";$/gm;
  return {
    name: 'builtins-without-facades',
    renderChunk(code) {
      const rewritten = code.replace(NAMED, (_whole, names, id) => {
        const bindings = names.split(',').map((n) => n.trim()).filter(Boolean).map((n) => n.replace(/\s+as\s+/, ': '));
        return `const { ${bindings.join(', ')} } = process.getBuiltinModule?.(${JSON.stringify(id)}) ?? await import(${JSON.stringify(id)});`;
      });
      const left = /^import\b.*from "node:/m.exec(rewritten);
      if (left !== null) throw new Error(`builtins-without-facades: cannot rewrite ${left[0]}`);
      return rewritten;
    },
  };
}

/** The dashboard's page and style go beside its script in dist/dashboard, as they are. */
function dashboardAssets(files) {
  return {
    name: 'dashboard-assets',
    generateBundle() {
      for (const file of files) this.emitFile({ type: 'asset', fileName: file, source: readFileSync(`dashboard/${file}`) });
    },
  };
}

const onLog = (level, log, handler) => {
  if (log.code === 'SOURCEMAP_BROKEN' && log.plugin === 'builtins-without-facades') return;
  handler(level, log);
};

export default defineConfig([{
  input: 'dist/cli/supctl.js',
  platform: 'node',
  // yargs prints help only, and finds its locale files next to itself in node_modules.
  external: ['yargs'],
  plugins: [builtinsWithoutFacades()],
  // The rewrite replaces each import line with one line, so the map is only off within those lines.
  onLog(level, log, handler) {
    if (log.code === 'SOURCEMAP_BROKEN' && log.plugin === 'builtins-without-facades') return;
    handler(level, log);
  },
  output: {
    dir: 'dist/cli',
    format: 'esm',
    entryFileNames: 'supctl.js',
    // Loaded on demand: help (yargs), tree (/proc).
    chunkFileNames: 'supctl-[name].js',
    sourcemap: true,
  },
}, {
  input: 'dist/cli/supd.js',
  platform: 'node',
  // koffi is a native addon and execa (user= only) and yargs (help only) are loaded on demand
  // from node_modules; pino finds its worker files next to itself.
  external: ['yargs', 'koffi', 'execa', 'pino', /^pino\//],
  plugins: [builtinsWithoutFacades()],
  onLog,
  output: {
    dir: 'dist/cli',
    format: 'esm',
    entryFileNames: 'supd.js',
    chunkFileNames: 'supd-[name].js',
    sourcemap: true,
  },
}, {
  // The dashboard (served at / of the control server): plain browser JavaScript, checked and
  // bundled here so a syntax error fails the build, not the page; nothing is built at run time.
  input: 'dashboard/dashboard.js',
  platform: 'browser',
  plugins: [dashboardAssets(['index.html', 'dashboard.css'])],
  output: { dir: 'dist/dashboard', format: 'esm', entryFileNames: 'dashboard.js' },
}]);
