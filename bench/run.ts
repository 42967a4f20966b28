// `npm run bench`: every figure a user weighs, each a ratio against a baseline measured in the
// same run (or a count, or bytes), in one run: bundle, overhead, stampede, scale. Exits 1 when a
// goal is missed (parts: bundle, overhead, stampede, instances, scale). `--short` (CI, `npm run bench:ci`) runs fewer rounds with the looser bounds its
// parts name; `--only=bundle,scale` runs some parts. A full run writes its figures into
// bench/RESULTS.md (between the markers of "Latest full run"); `--write` makes a short run write too.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Goal, PartResult } from './lib/measure.js'

const args = process.argv.slice(2)
const short = args.includes('--short')
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const write = !short || args.includes('--write')

const parts: Record<string, () => Promise<PartResult>> = {
  bundle: async () => (await import('./parts/bundle.js')).bundle(),
  overhead: async () => (await import('./parts/overhead.js')).overhead({ short }),
  stampede: async () => (await import('./parts/stampede.js')).stampede({ short }),
  instances: async () => (await import('./parts/instances.js')).instancesPart({ short }),
  scale: async () => (await import('./parts/scale.js')).scale({ short }),
}

const git = (...a: string[]) => {
  try {
    return execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (with uncommitted changes)' : ''}`
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}, load average ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')} at the start`
const started = new Date()
const command = `npm run bench${short ? ' -- --short' : ''}${only ? ` -- --only=${only.join(',')}` : ''}`

const report: string[] = []
const goals: Goal[] = []
for (const [name, run] of Object.entries(parts)) {
  if (only && !only.includes(name)) continue
  const t0 = Date.now()
  console.log(`\n== ${name}`)
  let result: PartResult
  try {
    result = await run()
  } catch (error) {
    // A part that throws has missed its goals: say why, and go on with the others.
    result = { goals: [{ part: name, name: 'the part ran to its end', measured: `threw ${String(error)}`, goal: 'no exception', met: false }], lines: [] }
    console.error(error)
  }
  for (const line of result.lines) console.log(line)
  report.push(`### ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`, '', '```', ...result.lines, '```', '')
  goals.push(...result.goals)
}

// The short run (CI) holds goals still open at their ceiling (bench/ceilings.json): the figure
// measured when the goal was first missed, so it cannot get worse unnoticed. The full run holds
// every goal.
const ceilings = JSON.parse(readFileSync(new URL('ceilings.json', import.meta.url), 'utf8')) as Record<string, { ceiling: number; why: string }>
const withinCeiling = (g: Goal) => {
  const entry = ceilings[`${g.part}: ${g.name}`]
  return short && !g.met && entry !== undefined && g.value !== undefined && g.value <= entry.ceiling
}
const verdict = (g: Goal) => (g.met ? 'met' : withinCeiling(g) ? `missed, open (ceiling ${ceilings[`${g.part}: ${g.name}`]!.ceiling})` : '**missed**')
const table = [
  '| part | goal | measured | bound | |',
  '| --- | --- | --- | --- | --- |',
  ...goals.map((g) => `| ${g.part} | ${g.name.replace(/\|/g, '\\|')} | ${g.measured} | ${g.goal} | ${verdict(g)} |`),
]
const missed = goals.filter((g) => !g.met && !withinCeiling(g))
const met = goals.filter((g) => g.met).length
const summary = `${met} of ${goals.length} goals met${short ? `; ${goals.length - met - missed.length} open within their ceilings; ${missed.length} failed` : ''}`
console.log(`\n${table.join('\n')}\n\n${summary}`)

if (write) {
  const file = fileURLToPath(new URL('RESULTS.md', import.meta.url))
  const section = [
    '<!-- bench:latest -->',
    `## Latest ${short ? 'short' : 'full'} run of \`npm run bench\``,
    '',
    `\`${command}\` at commit ${commit}, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s; ${machine}.`,
    'Written by bench/run.ts; the sections below it are notes of earlier sessions.',
    '',
    ...table,
    '',
    `${summary}.`,
    '',
    ...report,
    '<!-- /bench:latest -->',
  ].join('\n')
  const text = readFileSync(file, 'utf8')
  const marked = /<!-- bench:latest -->[\s\S]*<!-- \/bench:latest -->/
  const next = marked.test(text) ? text.replace(marked, section) : text.replace(/^(# .*\n)/, `$1\n${section}\n`)
  writeFileSync(file, next)
}
process.exitCode = missed.length ? 1 : 0
