// Fresh project (c): the app's own tests, with the provider kit and the exported scenarios. Every
// `scripts/package-checks/*.mjs` (play-scenarios.mjs, say) is a check of its own, copied into a fresh
// project that has what the README's testing row names (`msw`) and run there with Node: it passes
// when it exits 0, and its last line of output is the note printed beside its name.
import { copyFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createFreshProject, repo, runNode } from './project.mjs'

/** What an app's tests install: grantflow and msw (the kit's peer). */
export const testingPackages = ['msw']

/** One check per script found, each to be run by the caller's `check`. */
export function appChecks({ work, tarball, manifest }) {
  const folder = join(repo, 'scripts', 'package-checks')
  const scripts = readdirSync(folder).filter((file) => file.endsWith('.mjs'))
  if (!scripts.length) return []
  const dir = createFreshProject({ dir: join(work, 'fresh-tests'), tarball, manifest, packages: testingPackages })
  return scripts.map((file) => ({
    name: `fresh test project: ${file}`,
    task: async () => {
      copyFileSync(join(folder, file), join(dir, file))
      return (await runNode(dir, file)).trim().split('\n').at(-1)
    },
  }))
}
