// The core bundle budget. bench/app.ts (an app's use of grantflow's core) is bundled with xstate
// and oauth4webapi inlined, minified, gzipped. What loads with the page (the entry chunk and its
// static imports) must fit the budget; the protocol steps grantflow loads on first need (consent,
// code exchange, refresh, discovery, revocation) are reported beside it. Over budget exits 1.
// Run: npm run bench:size
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const BUDGET = 24 * 1024
const root = fileURLToPath(new URL('..', import.meta.url))

const result = await build({
  root,
  configFile: false,
  logLevel: 'silent',
  build: {
    write: false,
    minify: true,
    target: 'es2022',
    lib: { entry: fileURLToPath(new URL('app.ts', import.meta.url)), formats: ['es'], fileName: 'app' },
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
const gzip = (list) => gzipSync(list.map((c) => c.code).join('\n'), { level: 9 }).length
const kb = (n) => `${(n / 1024).toFixed(1)} kB`
const eagerSize = gzip([...eager])
const lazy = chunks.filter((c) => !eager.has(c))
console.log(`core bundle, loaded with the page: ${kb(eagerSize)} gzip of ${kb(BUDGET)} budget (${((eagerSize / BUDGET) * 100).toFixed(0)}%)`)
console.log(`protocol steps, loaded on first need: ${kb(gzip(lazy))} gzip; everything: ${kb(gzip(chunks))} gzip`)
if (eagerSize > BUDGET) {
  console.error('the core bundle is over budget')
  process.exit(1)
}
