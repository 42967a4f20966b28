// Fresh project (b): an Express server on the Postgres store and the Redis lock, from the README's
// Express block, run as two instances against 127.0.0.1's Postgres (db `test`, a table of its own per
// run) and Redis (a key prefix per run), two companies consenting through the provider kit over HTTP.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFreshProject, readmeBlock, repo, runNode } from './project.mjs'

/** What this user installs: grantflow, its server peers (README: `pg`, `ioredis`), Express, and msw for the kit. */
export const expressPackages = ['express', 'pg', 'ioredis', 'msw']

export async function checkExpressInstances({ work, tarball, manifest, readme }) {
  const here = (file) => readFileSync(new URL(file, import.meta.url), 'utf8')
  const template = here('./expressServer.template.ts')
  const slot = '/* README: example:express-routes.ts */\n'
  if (!template.includes(slot)) throw new Error(`expressServer.template.ts: no ${slot.trim()} to put the README block in`)
  const server = template.replace(slot, readmeBlock(readme, 'express-routes.ts'))
  const dir = createFreshProject({
    dir: join(work, 'fresh-express'),
    tarball,
    manifest,
    packages: expressPackages,
    files: { 'server.ts': server, 'drive.mjs': here('./expressInstances.drive.mjs') },
  })
  // Built as the other quickstarts are (a user would run it with tsx or after tsc).
  execFileSync(
    join(repo, 'node_modules', '.bin', 'esbuild'),
    ['server.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', '--outfile=server.mjs', '--log-level=warning'],
    {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return (await runNode(dir, 'drive.mjs')).trim().split('\n').at(-1)
}
