// Bundle: what each library ships for the same job (log in, handle the callback, get a token,
// call an API), measured the same way for all: an entry per library (bench/bundle/), esbuild,
// minified, every dependency inlined, code split where the library loads on first need, gzip -9
// of the chunks joined. "With the page" is the entry chunk and what it imports statically;
// "in all" adds what it imports dynamically. Where a goal is missed, the esbuild metafile says
// which modules weigh what.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { build, type Metafile } from 'esbuild'
import { build as viteBuild } from 'vite'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { kb, type Goal, type PartResult } from '../lib/measure.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const versionOf = (name: string) => (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version

interface Measured {
  page: number
  all: number
  /** Minified bytes per input module of what loads with the page, and of all. */
  pageInputs: Map<string, number>
  allInputs: Map<string, number>
  pageMinified: number
  allMinified: number
  /** The stylesheets the entry imports (esbuild's CSS outputs, minified), gzip -9: not script, and not in `page` or `all`. */
  css: number
}

async function measure(entry: string, dist: string, external: string[] = []): Promise<Measured> {
  const result = await build({
    entryPoints: [here(`../bundle/${entry}`)],
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    external,
    write: false,
    outdir: '/bench-out',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    // grantflow as installed from npm: the package's build (dist/), not the sources tsconfig maps it to.
    alias: { grantflow: join(dist, 'index.js'), 'grantflow/react': join(dist, 'react.js'), 'grantflow/react/styles.css': join(dist, 'react/styles.css') },
    tsconfigRaw: { compilerOptions: { jsx: 'react-jsx' } },
  })
  const metafile: Metafile = result.metafile
  const base = (path: string) => path.split('/').pop()!
  const texts = new Map(result.outputFiles.map((f) => [base(f.path), f.text]))
  const code = { get: (name: string) => texts.get(base(name)) }
  const outputs = Object.entries(metafile.outputs).filter(([name]) => name.endsWith('.js'))
  const eager = new Set<string>()
  const visit = (name: string) => {
    if (eager.has(name) || !metafile.outputs[name]) return
    eager.add(name)
    for (const i of metafile.outputs[name]!.imports) if (i.kind === 'import-statement') visit(i.path)
  }
  // esbuild names the chunks of dynamic imports entry points too: the page's is the one of this entry file.
  for (const [name, output] of outputs) if (output.entryPoint?.endsWith(`bench/bundle/${entry}`)) visit(name)
  const gzip = (names: string[]) => gzipSync(names.map((n) => code.get(n) ?? '').join('\n'), { level: 9 }).length
  const inputs = (names: string[]) => {
    const sizes = new Map<string, number>()
    for (const n of names)
      for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[n]!.inputs)) sizes.set(input, (sizes.get(input) ?? 0) + bytesInOutput)
    return sizes
  }
  const all = outputs.map(([n]) => n)
  const minified = (names: string[]) => names.reduce((sum, n) => sum + (code.get(n)?.length ?? 0), 0)
  return {
    page: gzip([...eager]),
    all: gzip(all),
    pageInputs: inputs([...eager]),
    allInputs: inputs(all),
    pageMinified: minified([...eager]),
    allMinified: minified(all),
    css: gzipSync(
      result.outputFiles
        .filter((f) => f.path.endsWith('.css'))
        .map((f) => f.text)
        .join('\n'),
      { level: 9 },
    ).length,
  }
}

/** Groups module sizes: a package under node_modules, or grantflow's folder/file. */
function grouped(inputs: Map<string, number>, byFile: boolean): [string, number][] {
  const groups = new Map<string, number>()
  for (const [input, bytes] of inputs) {
    // grantflow's own build (in node_modules/.cache) by chunk file; a dependency by package.
    const own = /grantflow-bench-dist\/(.*)$/.exec(input)?.[1]
    const pkg = own ? `grantflow/${own}` : /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]
    const key = pkg ?? (byFile ? input : input.split('/').slice(0, 2).join('/'))
    groups.set(key, (groups.get(key) ?? 0) + bytes)
  }
  return [...groups].sort((a, b) => b[1] - a[1])
}

export async function bundle(): Promise<PartResult> {
  // The package as npm would ship it, built from this commit into a folder of its own (dist/ is left alone).
  // Inside node_modules/.cache, so its imports of xstate and oauth4webapi resolve as an app's would.
  const dist = here('../../node_modules/.cache/grantflow-bench-dist')
  try {
    await viteBuild({ configFile: here('../../vite.config.ts'), logLevel: 'silent', build: { outDir: dist, emptyOutDir: true, sourcemap: false } })
    return await measureAll(dist)
  } finally {
    rmSync(dist, { recursive: true, force: true })
  }
}

async function measureAll(dist: string): Promise<PartResult> {
  const lines: string[] = []
  const goals: Goal[] = []
  const goal = (name: string, bytes: number, bound: number) =>
    goals.push({ part: 'bundle', name, measured: `${kb(bytes)} gzip`, goal: `≤ ${kb(bound)}`, met: bytes <= bound, value: bytes })

  const peers = [
    ['oidc-client-ts', 'oidc-client-ts.ts'],
    ['@auth0/auth0-spa-js', 'auth0-spa-js.ts'],
    ['@azure/msal-browser', 'msal-browser.ts'],
  ] as const
  lines.push('library                      with the page   in all')
  for (const [name, entry] of peers) {
    const m = await measure(entry, dist)
    lines.push(`${`${name} ${versionOf(name)}`.padEnd(28)} ${kb(m.page).padStart(9)} ${kb(m.all).padStart(12)}`)
  }
  const core = await measure('grantflow.ts', dist)
  lines.push(`${'grantflow (npm build)'.padEnd(28)} ${kb(core.page).padStart(9)} ${kb(core.all).padStart(12)}`)
  // React and react-dom are the app's own; @xstate/react is grantflow's choice and counts.
  const react = await measure('grantflow-react.tsx', dist, ['react', 'react-dom', 'react/*', 'react-dom/*'])
  lines.push(
    `${'grantflow + React layer'.padEnd(28)} ${kb(react.page).padStart(9)} ${kb(react.all).padStart(12)}   (react and react-dom not counted: +${kb(react.page - core.page)} with the page, +${kb(react.all - core.all)} in all)`,
    // The wizard's look is a CSS file the app imports (grantflow/react/styles.css): fetched and
    // cached as a stylesheet, never parsed as script, left out by an app with its own; shown, not counted.
    `${''.padEnd(28)} ${'+ its stylesheet'.padStart(22)}   (grantflow/react/styles.css, minified: ${kb(react.css)} gzip, not in the figures above)`,
  )

  const deep = await measure('grantflow-deep.ts', dist)
  lines.push(
    `${'grantflow, module by module'.padEnd(28)} ${kb(deep.page).padStart(9)} ${kb(deep.all).padStart(12)}   (what-if: the entry's re-exports not reached; see grantflow-deep.ts)`,
  )

  goal("grantflow's same job, in all", core.all, 26 * 1024)
  goal('grantflow, what loads with a page whose token is valid', core.page, 16 * 1024)
  goal('the React layer with `<AuthorizationWizard>`, beyond the core (in all)', react.all - core.all, 6 * 1024)

  // Where the bytes are: minified bytes per package or grantflow folder, with the gzip share
  // estimated at the set's own gzip ratio (gzip does not split exactly by module).
  const breakdown = (title: string, inputs: Map<string, number>, minified: number, gzipped: number, byFile: boolean, top: number) => {
    lines.push(`${title} (${kb(minified)} minified, ${kb(gzipped)} gzip):`)
    for (const [name, bytes] of grouped(inputs, byFile).slice(0, top))
      lines.push(`  ${name.padEnd(44)} ${kb(bytes).padStart(9)} min  ~${kb((bytes * gzipped) / minified).padStart(8)} gzip`)
  }
  breakdown('grantflow with the page, by package and folder', core.pageInputs, core.pageMinified, core.page, false, 12)
  breakdown('grantflow with the page, largest modules', core.pageInputs, core.pageMinified, core.page, true, 15)
  const lazy = new Map([...core.allInputs].map(([k, v]) => [k, v - (core.pageInputs.get(k) ?? 0)] as [string, number]).filter(([, v]) => v > 0))
  breakdown('module by module (what-if), with the page', deep.pageInputs, deep.pageMinified, deep.page, false, 10)
  breakdown('grantflow on first need, by package and folder', lazy, core.allMinified - core.pageMinified, core.all - core.page, false, 10)
  const reactOnly = new Map([...react.allInputs].filter(([k]) => !core.allInputs.has(k)))
  breakdown('the React layer beyond the core, by module', reactOnly, react.allMinified - core.allMinified, react.all - core.all, true, 10)
  return { goals, lines }
}
