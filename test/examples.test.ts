import { execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createSignInBrowser, textOf } from './devServer/devServer.js'
import { CookieJar } from './support/interact.js'

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

  it('the server example: a return filed after consent is replayed once, shown as a page; the application calls without consent', async () => {
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'examples/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (found) resolve(found[1]!)
        })
        child.once('exit', (code) => reject(new Error(`the example exited (${code}): ${out}`)))
      })
      const cookies = new CookieJar()
      const send = async (path: string, init: RequestInit = {}) => {
        const url = new URL(path, origin).href
        const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(cookies.header(url) && { cookie: cookies.header(url)! }) } })
        cookies.store(url, response.headers.getSetCookie())
        return response
      }
      expect(textOf(await (await send('/')).text())).toContain('File the company')

      // Filing needs the company's consent: to the provider, sign in (demo / demo), allow, back to the callback.
      const filing = await send('/returns', { method: 'POST' })
      expect(filing.status).toBe(303)
      const callback = await createSignInBrowser(cookies).signInAndConsent(filing.headers.get('location')!)
      const replayed = await send(callback)
      expect(replayed.status).toBe(200)
      const shown = textOf(await replayed.text())
      expect(shown).toContain('Consent given: the call was replayed once')
      expect(shown).toMatch(/"formBundleNumber": "\S+"/)
      const records = (await (await send('/__embedded/records')).json()) as { submissions: unknown[]; counters: { codeExchanges: number } }
      expect(records.submissions).toHaveLength(1)
      expect(records.counters.codeExchanges).toBe(1)
      // The same callback again is refused, and files nothing.
      expect((await send(callback)).status).toBeGreaterThanOrEqual(400)
      expect(((await (await send('/__embedded/records')).json()) as { submissions: unknown[] }).submissions).toHaveLength(1)

      // The person's own session is another consent; the application's call needs none.
      const reading = await send('/obligations')
      expect(reading.status).toBe(303)
      const own = textOf(await (await send(await createSignInBrowser(cookies).signInAndConsent(reading.headers.get('location')!))).text())
      expect(own).toContain('Consent given: the call was replayed once')
      expect(own).toContain('"obligations"')
      expect(textOf(await (await send('/vat-check')).text())).toContain('Acme Trading Ltd')
    } finally {
      child.kill('SIGTERM')
    }
  }, 60_000)
})
