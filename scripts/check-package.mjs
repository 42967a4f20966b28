// Checks the package as a user receives it from npm: `npm pack`, the tarball unpacked into a fresh
// app in a temporary directory outside the repository, its dependencies and peers taken from this
// repository's node_modules (symlinked one by one: only what package.json declares, so an import of
// anything undeclared fails), then the README's quickstarts (its `<!-- quickstart:NAME -->` and
// `<!-- example:PATH -->` blocks) type-checked under a DOM config and a DOM-less Node config with
// skipLibCheck off, built with esbuild, and the Node ones run; grantflow/react/styles.css resolved
// and kept by a bundler. Then each entry alone, in an app of its own with only the peers its row of
// the README's table of entries names (and @types/node): imported by Node, and type-checked with
// lib ES2023, NodeNext and skipLibCheck off. Then a fresh project per kind of user, each with only
// the packages the README names for it (package-checks/fresh/): a Vite app on grantflow/dev, an
// Express server on Postgres and Redis in two instances, and the app's own tests (every
// package-checks/*.mjs). Then publint and @arethetypeswrong/cli on the tarball.
// Run by .ci/run after `npm run build`.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { appChecks } from './package-checks/fresh/appChecks.mjs'
import { checkExpressInstances } from './package-checks/fresh/expressInstances.mjs'
import { checkViteApp } from './package-checks/fresh/viteApp.mjs'

const repo = fileURLToPath(new URL('..', import.meta.url))
const bin = (name) => join(repo, 'node_modules', '.bin', name)
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'grantflow-package-'))
const app = join(work, 'app')
const problems = []

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
}

/** Whether package.json's `sideEffects` keeps a file (a path in the package), as webpack reads it: a pattern without a slash matches any folder. */
function hasSideEffects(sideEffects, file) {
  if (sideEffects === undefined || sideEffects === true) return true
  if (!Array.isArray(sideEffects)) return false
  const pattern = (glob) => {
    const path = glob.includes('/') ? glob.replace(/^\.\//, '') : `**/${glob}`
    const source = path
      .split('**/')
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('(?:.*/)?')
    return new RegExp(`^${source}$`)
  }
  return sideEffects.some((glob) => pattern(glob).test(file))
}

/**
 * Each entry alone, in an app with the peers one kind of user installs: the peers named in the
 * entry's row of README.md's table of entries (each case's must be there, and each the row names
 * is installed by one case at least), the types of those peers, @types/node, and grantflow's own
 * dependencies. A Node entry is type-checked as a Node server is (lib ES2023, types node,
 * NodeNext); grantflow/react as a Vite app (lib ES2023 + DOM, Bundler).
 */
const entryCases = [
  { entry: 'grantflow', peers: [] },
  { entry: 'grantflow/machines', peers: [] },
  { entry: 'grantflow/protocol', peers: [] },
  { entry: 'grantflow/react', peers: ['react', 'react-dom'], dom: true },
  { entry: 'grantflow/testing', peers: ['msw'] },
  {
    entry: 'grantflow/dev',
    peers: ['oidc-provider'],
    who: 'a server that only calls startDevProvider',
    usage: "import { startDevProvider } from 'grantflow/dev'\nexport const provider = await startDevProvider({ port: 0 })\n",
  },
  {
    entry: 'grantflow/dev',
    peers: ['oidc-provider', 'vite'],
    who: 'the Vite plugin',
    // The plugin is typed by its shape: Vite's own types must take it.
    usage:
      "import { defineConfig } from 'vite'\nimport { grantflowDevProvider } from 'grantflow/dev'\nexport default defineConfig({ plugins: [grantflowDevProvider()] })\n",
  },
  {
    entry: 'grantflow/server',
    peers: ['pg'],
    who: 'sessions in Postgres',
    // A Web Crypto key, as Node's types (no DOM lib) make one.
    usage: [
      "import { createPostgresStore } from 'grantflow/server'",
      "const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])",
      "export const store = createPostgresStore({ encryption: { current: { id: '2026-12', key } } })",
      '',
    ].join('\n'),
  },
  { entry: 'grantflow/server', peers: ['@electric-sql/pglite'], who: 'sessions in PGlite' },
  {
    entry: 'grantflow/server',
    peers: ['pg', 'ioredis', 'hono'],
    who: 'Postgres, the Redis lock and sync, on Hono',
    // The lock and sync take ioredis's client and options by their shape: ioredis's types must fit.
    usage: [
      "import { Redis, type RedisOptions } from 'ioredis'",
      "import { createRedisLock, createRedisSync } from 'grantflow/server'",
      'declare const redis: Redis',
      'declare const options: RedisOptions',
      "export const locks = [createRedisLock({ redis }), createRedisLock({ redis: options }), createRedisLock({ redis: 'redis://127.0.0.1:6379' })]",
      "export const syncs = [createRedisSync({ redis }), createRedisSync({ redis: { host: '127.0.0.1', lazyConnect: true } })]",
      '',
    ].join('\n'),
  },
]
/** The types a TypeScript user installs with a peer that ships none. */
const peerTypes = { react: ['@types/react'], 'react-dom': ['@types/react-dom'] }
/** msw's own declarations need the DOM lib (see the grantflow/testing check below): its errors are not grantflow's. */
const mswOwnErrors = /node_modules\/(msw|@mswjs|rettime|@open-draft)\//

/** The peers named in each row of README.md's table of entries (`| you use | entry | also install |`), by entry. */
function peersByEntry(readme) {
  const header = readme.indexOf('| you use | entry | also install |')
  if (header < 0) throw new Error("README.md: no table of entries ('| you use | entry | also install |')")
  const table = readme.slice(header).split('\n').slice(2)
  const rows = new Map()
  for (const line of table.slice(
    0,
    table.findIndex((l) => !l.startsWith('|')),
  )) {
    const [, entry, install] = /^\| [^|]+ \| `(grantflow(?:\/[\w-]+)?)` \| ([^|]+) \|$/.exec(line) ?? []
    if (!entry) throw new Error(`README.md's table of entries: a row not read: ${line}`)
    rows.set(
      entry,
      [...install.matchAll(/`([^`]+)`/g)].flatMap(([, names]) => names.split(/\s+/)),
    )
  }
  return rows
}

async function checkEntries(tarball, readme) {
  const rows = peersByEntry(readme)
  const results = []
  for (const [entry, named] of rows)
    for (const peer of named)
      if (!entryCases.some((c) => c.entry === entry && c.peers.includes(peer)))
        results.push({
          name: `${entry} with ${peer}`,
          task: () => {
            throw new Error(`README.md names ${peer} for ${entry}, no case here installs it`)
          },
        })
  const prepared = entryCases.map((entryCase, index) => {
    const { entry, peers, dom, who } = entryCase
    const name = `${entry} with ${peers.length ? peers.join(', ') : 'no peer'}${who ? ` (${who})` : ''}`
    const unnamed = peers.filter((peer) => !(rows.get(entry) ?? []).includes(peer))
    if (!rows.has(entry) || unnamed.length)
      return {
        name,
        failure: new Error(`README.md's table of entries ${rows.has(entry) ? `names no ${unnamed.join(', ')} for ${entry}` : `has no row for ${entry}`}`),
      }
    const dir = join(work, `entry-${index}`)
    mkdirSync(join(dir, 'node_modules', 'grantflow'), { recursive: true })
    // Unpacked, not linked: Node and tsc resolve grantflow's own imports from where it really is.
    execFileSync('tar', ['xzf', tarball, '-C', join(dir, 'node_modules', 'grantflow'), '--strip-components=1'])
    const installed = [...Object.keys(manifest.dependencies ?? {}), ...peers, ...peers.flatMap((peer) => peerTypes[peer] ?? []), '@types/node']
    for (const pkg of installed) {
      mkdirSync(dirname(join(dir, 'node_modules', pkg)), { recursive: true })
      symlinkSync(join(repo, 'node_modules', pkg), join(dir, 'node_modules', pkg), 'dir')
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2))
    writeFileSync(join(dir, 'entry.ts'), `export * as entry from '${entry}'\n`)
    // Type-checked, not run: Node imports the entry alone.
    if (entryCase.usage) writeFileSync(join(dir, 'usage.ts'), entryCase.usage)
    const compilerOptions = dom
      ? { lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: ['node'], module: 'ESNext', moduleResolution: 'Bundler' }
      : { lib: ['ES2023'], types: ['node'], module: 'NodeNext', moduleResolution: 'NodeNext' }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, isolatedModules: true, ...compilerOptions },
          files: ['entry.ts', ...(entryCase.usage ? ['usage.ts'] : [])],
        },
        null,
        2,
      ),
    )
    return { name, dir, entry, allowMswErrors: peers.includes('msw') }
  })
  // Two type-checks at a time: each is a tsc over the entry's declarations and its peers'.
  const pending = [...prepared.filter((p) => !p.failure)]
  const typeErrors = new Map()
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const output = await promisify(execFile)(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: next.dir, encoding: 'utf8', maxBuffer: 64 << 20 }).then(
        () => '',
        (error) => error.stdout || error.stderr || error.message,
      )
      const errors = output.split('\n').filter((line) => /error TS/.test(line) && !(next.allowMswErrors && mswOwnErrors.test(line)))
      typeErrors.set(next, errors)
    }
  }
  await Promise.all([worker(), worker()])
  for (const p of prepared)
    results.push({
      name: p.name,
      task: () => {
        if (p.failure) throw p.failure
        const failures = []
        try {
          execFileSync(process.execPath, ['--input-type=module', '-e', `await import('${p.entry}')`], {
            cwd: p.dir,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          })
        } catch (error) {
          failures.push(`node: import('${p.entry}') failed:\n${(error.stderr || error.message).trim()}`)
        }
        const errors = typeErrors.get(p)
        if (errors.length) failures.push(`tsc (skipLibCheck false):\n${errors.join('\n')}`)
        if (failures.length) throw new Error(failures.join('\n'))
        return 'imports in Node, declarations type-check'
      },
    })
  return results
}

const runAsync = (command, args) => promisify(execFile)(command, args, { cwd: app, encoding: 'utf8', maxBuffer: 64 << 20 })

/** Runs a check; a failure is reported with its output, and the next checks still run. */
function check(name, task) {
  const started = Date.now()
  try {
    const note = task()
    console.log(`package: ${name}${note ? `: ${note}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  } catch (error) {
    problems.push(`${name}:\n${[error.stdout, error.stderr, error.stdout || error.stderr ? '' : error.message].filter(Boolean).join('\n').trim()}`)
    console.log(`package: ${name}: FAILED`)
  }
}

/** As `check`, for a task that returns a promise. */
async function checkAsync(name, task) {
  const started = Date.now()
  try {
    const note = await task()
    console.log(`package: ${name}${note ? `: ${note}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  } catch (error) {
    problems.push(`${name}:\n${[error.stdout, error.stderr, error.stdout || error.stderr ? '' : error.message].filter(Boolean).join('\n').trim()}`)
    console.log(`package: ${name}: FAILED`)
  }
}

try {
  // The tarball, as `npm publish` would upload it.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, encoding: 'utf8' }))
  const tarball = join(work, packed[0].filename)
  mkdirSync(join(app, 'node_modules', 'grantflow'), { recursive: true })
  execFileSync('tar', ['xzf', tarball, '-C', join(app, 'node_modules', 'grantflow'), '--strip-components=1'])

  // Dependencies and peers as npm would install them beside grantflow, plus the app's own tools' types.
  const installed = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    '@types/node',
    '@types/react',
    '@types/react-dom',
  ]
  for (const name of installed) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true })
    symlinkSync(join(repo, 'node_modules', name), join(app, 'node_modules', name), 'dir')
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2))

  // The README's quickstarts, as a user copies them.
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/<!-- (?:quickstart|example):([^\s]+) -->\n```\w+\n([\s\S]*?)```\n/g)].map(([, name, code]) => ({
    file: basename(name),
    code,
  }))
  if (blocks.length < 3) throw new Error(`README.md: expected at least 3 quickstart blocks, found ${blocks.length}`)
  for (const { file, code } of blocks) writeFileSync(join(app, file), code)
  const browserFiles = blocks.filter((b) => b.file.endsWith('.tsx')).map((b) => b.file)
  const nodeFiles = blocks.filter((b) => !b.file.endsWith('.tsx')).map((b) => b.file)

  // Every entry imported, for the declarations' sake.
  writeFileSync(
    join(app, 'entries.ts'),
    [
      "export * as core from 'grantflow'",
      "export * as machines from 'grantflow/machines'",
      "export * as react from 'grantflow/react'",
      "export * as dev from 'grantflow/dev'",
    ].join('\n') + '\n',
  )
  writeFileSync(join(app, 'testing-entry.ts'), "export * as testing from 'grantflow/testing'\n")
  const base = { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, jsx: 'react-jsx', resolveJsonModule: true, isolatedModules: true }
  const tsconfig = (name, compilerOptions, files) =>
    writeFileSync(join(app, name), JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files }, null, 2))
  // A Vite app: the DOM lib, bundler resolution.
  tsconfig('tsconfig.dom.json', { lib: ['ES2023', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'Bundler', types: [] }, [
    ...browserFiles,
    'entries.ts',
  ])
  // A Node server: no DOM lib, Node's resolution (the exports map as Node reads it).
  const nodeOptions = { lib: ['ES2023'], types: ['node'], module: 'NodeNext', moduleResolution: 'NodeNext' }
  tsconfig('tsconfig.node.json', nodeOptions, [...nodeFiles.filter((f) => !readsTesting(f)), 'entries.ts'])
  tsconfig('tsconfig.testing.json', nodeOptions, [...nodeFiles.filter(readsTesting), 'testing-entry.ts'])
  function readsTesting(file) {
    return blocks.find((b) => b.file === file).code.includes("'grantflow/testing'")
  }

  // The three type-checks at once: each is a tsc over every declaration (skipLibCheck off).
  const typeChecks = {
    dom: runAsync(bin('tsc'), ['-p', 'tsconfig.dom.json']).then(
      () => undefined,
      (error) => error,
    ),
    node: runAsync(bin('tsc'), ['-p', 'tsconfig.node.json']).then(
      () => undefined,
      (error) => error,
    ),
    testing: runAsync(bin('tsc'), ['-p', 'tsconfig.testing.json']).then(
      () => '',
      (error) => error.stdout ?? '',
    ),
  }
  const [domError, nodeError, testingOutput] = await Promise.all([typeChecks.dom, typeChecks.node, typeChecks.testing])
  check('type-checks with the DOM lib (lib ES2023 + DOM, skipLibCheck false)', () => {
    if (domError) throw domError
    return browserFiles.join(', ')
  })
  check('type-checks without the DOM lib (lib ES2023, types node, NodeNext, skipLibCheck false)', () => {
    if (nodeError) throw nodeError
    return nodeFiles.filter((f) => !readsTesting(f)).join(', ')
  })
  // msw's own declarations do not type-check without the DOM lib (MessageEvent, WebSocketEventMap):
  // those errors are msw's, and a Node project that uses msw already passes skipLibCheck or adds DOM.
  // What must hold is that none is in grantflow's declarations or the app's code.
  check("grantflow/testing without the DOM lib: no error outside msw's own declarations", () => {
    const ours = testingOutput.split('\n').filter((line) => /error TS/.test(line) && !/node_modules\/(msw|@mswjs|rettime|@open-draft)\//.test(line))
    if (ours.length) throw Object.assign(new Error('type errors'), { stdout: ours.join('\n') })
    return nodeFiles.filter(readsTesting).join(', ')
  })
  check('builds the browser quickstart with esbuild', () => {
    for (const file of browserFiles)
      run(bin('esbuild'), [file, '--bundle', '--platform=browser', '--format=esm', `--outfile=out/${file}.js`, '--log-level=warning'])
    return browserFiles.join(', ')
  })
  check('builds and runs the Node quickstarts', () => {
    const ran = []
    for (const file of nodeFiles) {
      run(bin('esbuild'), [file, '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=out/${file}.mjs`, '--log-level=warning'])
      // A server (it would not stop by itself) and a config file are built, not run.
      if (file.startsWith('vite.config') || /\.listen\(\d/.test(blocks.find((b) => b.file === file).code)) continue
      const output = run(process.execPath, [`out/${file}.mjs`], { timeout: 30_000 })
      ran.push(`${file} (${output.trim().split('\n').at(-1)})`)
    }
    return ran.join(', ')
  })
  // The wizard's look is a file the app imports: the exports map must lead to it, and bundlers
  // must keep a bare import of it. webpack drops one of a file that package.json's sideEffects
  // says is free of them (esbuild, below, keeps CSS whatever it says): so sideEffects must list it.
  check('grantflow/react/styles.css resolves and is kept by a bundler', () => {
    const path = run(process.execPath, ['--input-type=module', '-e', "console.log(new URL(import.meta.resolve('grantflow/react/styles.css')).pathname)"]).trim()
    if (!readFileSync(path, 'utf8').includes('.gf-dialog')) throw new Error(`${path}: no .gf-dialog rule`)
    const inPackage = path.slice(path.lastIndexOf('/node_modules/grantflow/') + '/node_modules/grantflow/'.length)
    if (!hasSideEffects(manifest.sideEffects, inPackage))
      throw new Error(`package.json's sideEffects (${JSON.stringify(manifest.sideEffects)}) leaves out ${inPackage}`)
    writeFileSync(join(app, 'styles-entry.js'), "import 'grantflow/react/styles.css'\n")
    const built = run(bin('esbuild'), ['styles-entry.js', '--bundle', '--outdir=out/styles', '--log-level=warning'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const css = readFileSync(join(app, 'out/styles/styles-entry.css'), 'utf8')
    if (!css.includes('.gf-dialog')) throw new Error(`esbuild kept no .gf-dialog rule:\n${built}`)
    return `${basename(path)}, ${css.length} bytes bundled`
  })
  check('require() of the ESM build, the way Node 20.19+ loads it', () => {
    run(process.execPath, ['--input-type=commonjs', '-e', "const g = require('grantflow'); if (typeof g.createGrantflow !== 'function') process.exit(1)"])
  })
  // Each entry as a user installs it: a fresh app of its own with only the peers its row of the
  // README's table names (so an import of another peer, at run time or in the declarations, fails),
  // the entry imported by Node and type-checked with skipLibCheck off.
  for (const result of await checkEntries(tarball, readme)) check(result.name, result.task)
  // A fresh project per kind of user (issue 21), each in a directory of its own with only the
  // packages the README tells that user to install, running code taken from the README.
  const fresh = { work, tarball, manifest, readme }
  await checkAsync('fresh Vite app with grantflow/dev: vite build, the dev server serves the app and the provider', () => checkViteApp(fresh))
  await checkAsync('fresh Express server, Postgres store, Redis lock: two instances, two companies, a restart', () => checkExpressInstances(fresh))
  // The app's own tests: each scripts/package-checks/*.mjs, run in a fresh project with the kit.
  for (const { name, task } of appChecks(fresh)) await checkAsync(name, task)
  check('publint', () => run(bin('publint'), ['run', tarball, '--strict']).trim().split('\n').at(-1))
  // ESM-only package (type: module, no require condition): the esm-only profile leaves out the
  // CommonJS resolution modes (node10 and node16 from CJS), which this package does not serve by design;
  // Node 20.19+ require() of ESM is checked above.
  check('@arethetypeswrong/cli (profile esm-only)', () => {
    // A stylesheet has no types to resolve (checked above as a file a bundler keeps).
    run(bin('attw'), [tarball, '--profile', 'esm-only', '--exclude-entrypoints', './react/styles.css', '--format', 'table-flipped', '--no-emoji', '--no-color'])
    return 'no problems'
  })
} catch (error) {
  problems.push(error.stack ?? String(error))
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (problems.length) {
  console.error(`\npackage check failed:\n${problems.join('\n\n')}`)
  process.exit(1)
}
