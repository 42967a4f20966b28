import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import { configDefaults, defineConfig } from 'vitest/config'
import BrowserFilesFirst from './test/support/sequencer.js'

/** The package's entry points: `grantflow`, `grantflow/testing`, `grantflow/machines`, `grantflow/react`, `grantflow/server`, `grantflow/dev`, `grantflow/protocol`. */
const entries = {
  index: 'src/index.ts',
  testing: 'src/testing/index.ts',
  machines: 'machines/index.ts',
  react: 'src/react/index.ts',
  server: 'src/server/index.ts',
  dev: 'src/dev/index.ts',
  protocol: 'src/protocol.ts',
}

// Dependencies and peers stay imports in the library build, subpaths too (`msw/node`,
// `react/jsx-runtime`): the app's bundler dedupes and tree-shakes them. Read from package.json,
// so a new dependency is external without touching this file.
const manifest = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const external = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})].map(
  (name) => new RegExp(`^${escapeRegExp(name)}(/|$)`),
)
// Node's own modules stay imports (grantflow/dev, grantflow/server, grantflow/testing's listen()), never browser stubs.
external.push(/^node:/)

/** Stylesheets shipped as they are, by their place in dist/ (package.json's `exports` names them). */
const stylesheets = { 'react/styles.css': 'src/react/styles.css' }

/** Copies the stylesheets into the build: the components import none, the app imports them (`grantflow/react/styles.css`). */
function emitStylesheets(): Plugin {
  return {
    name: 'grantflow-stylesheets',
    apply: 'build',
    generateBundle() {
      for (const [fileName, source] of Object.entries(stylesheets))
        this.emitFile({ type: 'asset', fileName, source: readFileSync(new URL(source, import.meta.url), 'utf8') })
    },
  }
}

// Inside this repository, `grantflow` imports (examples, demo, README snippets) are the sources.
// Subpaths before `grantflow`, which would otherwise match them as a prefix (and the stylesheet
// before `grantflow/react`).
export const alias = {
  'grantflow/react/styles.css': fileURLToPath(new URL('src/react/styles.css', import.meta.url)),
  'grantflow/react': fileURLToPath(new URL('src/react/index.ts', import.meta.url)),
  'grantflow/testing': fileURLToPath(new URL('src/testing/index.ts', import.meta.url)),
  'grantflow/machines': fileURLToPath(new URL('machines/index.ts', import.meta.url)),
  'grantflow/protocol': fileURLToPath(new URL('src/protocol.ts', import.meta.url)),
  'grantflow/server': fileURLToPath(new URL('src/server/index.ts', import.meta.url)),
  'grantflow/dev': fileURLToPath(new URL('src/dev/index.ts', import.meta.url)),
  grantflow: fileURLToPath(new URL('src/index.ts', import.meta.url)),
}

export default defineConfig({
  resolve: { alias },
  plugins: [emitStylesheets()],
  // public/ is the demo's (MSW's worker script): not part of the library.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    lib: {
      entry: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, fileURLToPath(new URL(file, import.meta.url))])),
      formats: ['es'],
    },
    // Module by module, as the sources are: the app's bundler then loads with the page only what
    // it imports, and what grantflow loads on first need stays behind its dynamic imports.
    rolldownOptions: { external, output: { preserveModules: true, preserveModulesRoot: '.', entryFileNames: '[name].js' } },
  },
  test: {
    environment: 'node',
    testTimeout: 15_000,
    reporters: ['default', './test/support/figuresReporter.ts'],
    // Vitest's default is one worker fewer than the cores: on 2 cores, one file at a time. Most
    // files wait (on Chromium, servers, Postgres, Redis, timers) more than they compute, and each
    // works in a schema, key prefix and server of its own, so two run at once.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: BrowserFilesFirst },
    projects: [
      { extends: true, test: { name: 'node', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: [...configDefaults.exclude, 'test/e2e/**'] } },
      // One Chromium for every browser file (test/support/sharedBrowser.ts); a run without them launches none.
      { extends: true, test: { name: 'browser', include: ['test/e2e/**/*.test.ts'], globalSetup: ['./test/support/sharedBrowser.setup.ts'] } },
    ],
  },
})
