import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// grantflow/testing imports no runner: its contract suites take the runner's describe and it, so
// an app whose tests run on node:test (or jest, or mocha) runs them as they are.

const repo = fileURLToPath(new URL('../..', import.meta.url))

describe('the contract suites under node:test', () => {
  it('run every clause and pass a sound store and lock, with no vitest loaded', { timeout: 60_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url)),
      ['--test', '--test-reporter=tap', 'test/testing/fixtures/contractsUnderNodeTest.ts'],
      { cwd: repo, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    )
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1])
    expect(count('fail')).toBe(0)
    // Each clause a test of its own: the store's 15, the lock's 4.
    expect(count('pass')).toBe(19)
    expect(stdout).toContain('session store contract: memory, under node:test')
    expect(stdout).toContain('takes a pending authorization once')
  })
})
