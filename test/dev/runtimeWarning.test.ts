import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runtimeNotice } from '../../src/devServer/loadOidcProvider.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const olderThan22 = Number(process.versions.node.split('.')[0]) < 22

/** Runs the fixture in a Node of its own (this one), answering its stdout and stderr. */
function runFixture(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'test/dev/fixtures/startDevProvider.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

it("starts the dev provider with no 'Unsupported runtime' warning of oidc-provider's, saying once in its own words where it runs", async () => {
  const { code, stdout, stderr } = await runFixture()
  expect(code).toBe(0)
  // The provider answered: oidc-provider was loaded and serving.
  const answered = JSON.parse(stdout.trim().split('\n').at(-1)!) as { status: number; issuer: string; expected: string }
  expect(answered.status).toBe(200)
  expect(answered.issuer).toBe(answered.expected)
  expect(stderr).not.toContain('Unsupported runtime')
  const notices = stderr.split('\n').filter((line) => line.startsWith('grantflow/dev: running oidc-provider on Node'))
  // On Node 22 LTS and later oidc-provider has nothing to say, and neither has grantflow/dev.
  expect(notices).toEqual(olderThan22 ? [runtimeNotice(process.version)] : [])
})
