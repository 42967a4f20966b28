import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('..', import.meta.url)

/** Runs an example as a user would (npm run example:...), through tsx. */
async function example(file: string) {
  const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', file], { cwd: root, timeout: 30_000 })
  return stdout
}

describe('examples (the README quickstart)', () => {
  it('the README shows examples/client-credentials.ts exactly as it is', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    const source = readFileSync(new URL('examples/client-credentials.ts', root), 'utf8')
    expect(readme).toContain(`<!-- example:examples/client-credentials.ts -->\n\`\`\`ts\n${source}\`\`\`\n<!-- /example -->`)
  })

  it('client credentials: reads an article with one token request', async () => {
    const out = await example('examples/client-credentials.ts')
    expect(out).toContain('LEGIARTI000006419280: Les lois')
    expect(out).toContain('token requests: 1')
  })

  it('consent the server way: the return is submitted once after consent', async () => {
    const out = await example('examples/vat-consent.ts')
    expect(out).toContain('VAT (Making Tax Digital) needs consent at HM Revenue & Customs for write:vat')
    expect(out).toContain('(HMRC received 1 return)')
  })
})
