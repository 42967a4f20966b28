import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return path === 'src/react' || path === 'src/demo' ? [] : sources(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

describe('the core', () => {
  it('never imports React: src/ outside src/react and src/demo, and machines/', () => {
    const offenders = [...sources('src'), ...sources('machines')].filter((file) =>
      /from ['"](react|react-dom|@xstate\/react)(\/[^'"]*)?['"]|\.\/react\/|\.\.\/react\//.test(readFileSync(join(root, file), 'utf8')),
    )
    expect(offenders.map((file) => relative(root, join(root, file)))).toEqual([])
  })
})
