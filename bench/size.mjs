// The core bundle budget. bench/app.ts (an app's use of grantflow's core) is bundled for the
// browser with xstate and oauth4webapi inlined, minified, gzipped. What loads with the page (the
// entry chunk and its static imports) must fit the budget; the protocol steps grantflow loads on
// first need (consent, code exchange, refresh, discovery, revocation) are reported beside it.
// For scale, the whole public surface of `grantflow` and `grantflow/machines` (every export kept,
// nothing tree-shaken away) is reported too, outside the budget. Over budget exits 1.
// Run: npm run bench:size
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

// The bench's page goal (what loads with a page whose token is valid ≤ 16 kB, bench/parts/bundle.ts),
// so the two budgets are one. It was 26 kB while the page chunk held what now loads on first need
// (10.7 kB on 2026-12-08): see bench/RESULTS.md.
const BUDGET = 16 * 1024
const root = fileURLToPath(new URL('..', import.meta.url))
const file = (path) => fileURLToPath(new URL(path, new URL('..', import.meta.url)))

/** Bundles `entry` with every dependency inlined; returns the chunks loaded with the page and the rest. */
async function bundle(entry) {
  const result = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      lib: { entry, formats: ['es'] },
      rolldownOptions: { external: [] },
    },
  })
  const chunks = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output).filter((o) => o.type === 'chunk')
  const byName = new Map(chunks.map((c) => [c.fileName, c]))
  const eager = new Set()
  const visit = (chunk) => {
    if (eager.has(chunk)) return
    eager.add(chunk)
    for (const name of chunk.imports) visit(byName.get(name))
  }
  for (const chunk of chunks.filter((c) => c.isEntry)) visit(chunk)
  return { eager: [...eager], lazy: chunks.filter((c) => !eager.has(c)), all: chunks }
}

const gzip = (list) => gzipSync(list.map((c) => c.code).join('\n'), { level: 9 }).length
const kb = (n) => `${(n / 1024).toFixed(1)} kB`

const app = await bundle(file('bench/app.ts'))
const eagerSize = gzip(app.eager)
console.log(
  `core bundle, loaded with the page: ${kb(eagerSize)} gzip of ${kb(BUDGET)} budget (${((eagerSize / BUDGET) * 100).toFixed(0)}%, ${BUDGET - eagerSize} bytes left)`,
)
console.log(`protocol steps, loaded on first need: ${kb(gzip(app.lazy))} gzip; everything: ${kb(gzip(app.all))} gzip`)

const surface = await bundle({ index: file('src/index.ts'), machines: file('machines/index.ts') })
console.log(
  `for scale, not budgeted: every export of grantflow + grantflow/machines: ${kb(gzip(surface.eager))} gzip loaded with the page, ${kb(gzip(surface.all))} gzip in all`,
)

if (eagerSize > BUDGET) {
  console.error(`the core bundle is over budget by ${kb(eagerSize - BUDGET)}`)
  process.exit(1)
}
