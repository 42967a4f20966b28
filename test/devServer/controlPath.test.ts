import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { useDevServer } from './devServer.js'

// Where the control route lives (the `controlPath` option), and who may reach it: like the
// provider and the API, this machine's host names only.

/** A GET with the Host header given (fetch would not let us set it): its status and JSON body. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }))
    })
      .on('error', reject)
      .end()
  })
}

describe('the control route at a path of your choosing', () => {
  const server = useDevServer({ controlPath: '/dev/control/' })

  it('answers there, and not at the default path', async () => {
    const { origin, issuer } = server()
    const response = await fetch(`${origin}/dev/control/records`)
    expect(response.status).toBe(200)
    await expect(response.json() as Promise<EmbeddedRecords>).resolves.toMatchObject({ issuer, counters: { apiCalls: 0 }, log: [] })
    expect((await fetch(`${origin}/__embedded/records`)).status).toBe(404)
  })
})

describe('the control route on a dev server that lets any host in (a tunnel, allowedHosts: true)', () => {
  const server = useDevServer({}, { allowedHosts: true })

  it('answers 127.0.0.1 and localhost, each origin its own issuer, and refuses any other host itself', async () => {
    const { origin } = server()
    const port = new URL(origin).port
    const records = `${origin}/__embedded/records`

    await expect(getWithHost(records, `localhost:${port}`)).resolves.toMatchObject({ status: 200, body: { issuer: `http://localhost:${port}/oidc` } })
    await expect(getWithHost(records, `127.0.0.1:${port}`)).resolves.toMatchObject({ status: 200, body: { issuer: `${origin}/oidc` } })
    for (const host of [`attacker.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      await expect(getWithHost(records, host)).resolves.toEqual({ status: 403, body: { code: 'FORBIDDEN', message: expect.stringContaining('127.0.0.1 and localhost only') } })
    }
  })
})

describe('the control route turned off', () => {
  const server = useDevServer({ controlPath: false })

  it('is not mounted, while the provider still answers', async () => {
    const { origin, issuer } = server()
    expect((await fetch(`${origin}/__embedded/records`)).status).toBe(404)
    const faults = await fetch(`${origin}/__embedded/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"fault":"revoke-grants"}' })
    expect(faults.status).toBe(404)
    expect((await fetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(200)
  })
})
