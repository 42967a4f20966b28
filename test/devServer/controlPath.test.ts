import { describe, expect, it } from 'vitest'
import type { EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { rawRequest, useDevServer } from './devServer.js'

// Where the control route lives (the `controlPath` option), and who may reach it: like the
// provider and the API, this machine's host names only.

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

  it('answers 127.0.0.1, localhost and [::1] at its port, each origin its own issuer, and refuses any other host itself', async () => {
    const { origin } = server()
    const port = new URL(origin).port
    const records = `${origin}/__embedded/records`
    const withHost = (host: string) => rawRequest(records, { headers: { host } })

    await expect(withHost(`localhost:${port}`)).resolves.toMatchObject({ status: 200, body: { issuer: `http://localhost:${port}/oidc` } })
    await expect(withHost(`127.0.0.1:${port}`)).resolves.toMatchObject({ status: 200, body: { issuer: `${origin}/oidc` } })
    await expect(withHost(`[::1]:${port}`)).resolves.toMatchObject({ status: 200, body: { issuer: `http://[::1]:${port}/oidc` } })
    for (const host of [`attacker.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:${Number(port) + 1}`, 'localhost']) {
      await expect(withHost(host)).resolves.toMatchObject({
        status: 421,
        body: { code: 'MISDIRECTED_REQUEST', message: expect.stringContaining(`http://127.0.0.1:${port}, http://localhost:${port}`) },
      })
    }
  })
})

describe('the control route turned off', () => {
  const server = useDevServer({ controlPath: false })

  it('is not mounted, while the provider still answers', async () => {
    const { origin, issuer } = server()
    expect((await fetch(`${origin}/__embedded/records`)).status).toBe(404)
    const faults = await fetch(`${origin}/__embedded/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"fault":"revoke-grants"}',
    })
    expect(faults.status).toBe(404)
    expect((await fetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(200)
  })
})
