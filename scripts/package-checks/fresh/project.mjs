// A fresh project for one kind of user: the packed tarball unpacked into node_modules/grantflow, and
// beside it only grantflow's own dependencies and the packages that user installs (symlinked from the
// repository's node_modules, so an import of anything else fails as it would after `npm install`).
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const repo = fileURLToPath(new URL('../../..', import.meta.url))

/** Makes `dir` a fresh project with the tarball and `packages` (names as in package.json) installed. */
export function createFreshProject({ dir, tarball, manifest, packages, files = {} }) {
  mkdirSync(join(dir, 'node_modules', 'grantflow'), { recursive: true })
  // Unpacked, not linked: Node resolves grantflow's own imports from where it really is.
  execFileSync('tar', ['xzf', tarball, '-C', join(dir, 'node_modules', 'grantflow'), '--strip-components=1'])
  for (const name of [...Object.keys(manifest.dependencies ?? {}), ...packages]) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(repo, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2))
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true })
    writeFileSync(join(dir, file), text)
  }
  return dir
}

/** Runs `node file` in the project; fails with its whole output, stdout and stderr. */
export function runNode(dir, file, { env = {}, timeout = 90_000 } = {}) {
  return promisify(execFile)(process.execPath, [file], {
    cwd: dir,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  }).then(({ stdout }) => stdout)
}

/** A README code block marked `<!-- example:NAME -->` (or `quickstart:`), indented or not, dedented. */
export function readmeBlock(readme, name) {
  const marker = new RegExp(`<!-- (?:quickstart|example):${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -->\\n( *)\`\`\`\\w+\\n([\\s\\S]*?)\\n\\1\`\`\`\\n`)
  const match = marker.exec(readme)
  if (!match) throw new Error(`README.md: no block marked <!-- example:${name} -->`)
  const [, indent, code] = match
  return (
    code
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n') + '\n'
  )
}
