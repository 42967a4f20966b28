import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startDevProvider, type DevProvider } from '../../src/dev/index.js'
import { ledgerline, nineBoxes, rawRequest, VRN } from '../devServer/devServer.js'

// The public entry (grantflow/dev), on its plain node:http server: no Vite.
let dev: DevProvider
beforeAll(async () => {
  dev = await startDevProvider()
})
afterAll(() => dev?.close())

const asDevServer = () => ({ origin: dev.url, issuer: dev.issuer, apiUrl: dev.apiUrl, origins: dev.origins })

describe('startDevProvider (grantflow/dev)', () => {
  it('listens on 127.0.0.1 at a port the OS picked and publishes its discovery document', async () => {
    expect(dev.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(dev.url).not.toBe('http://127.0.0.1:0')
    const metadata = (await (await fetch(`${dev.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ issuer: dev.issuer, token_endpoint: `${dev.issuer}/token`, code_challenge_methods_supported: ['S256'] })
  })

  it('takes a user through sign-in and consent over HTTP; the token it issues files a return once', async () => {
    const { grantflow, browser } = ledgerline(asDevServer())
    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes())
    expect(receipt.formBundleNumber).toMatch(/\S/)
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    const records = await rawRequest(`${dev.url}/__embedded/records`, { headers: { host: new URL(dev.url).host } })
    expect(records.status).toBe(200)
    expect(records.body).toMatchObject({ submissions: [expect.objectContaining({ periodKey: nineBoxes().periodKey, netVatDue: 750 })] })
    expect(dev.origins()).toEqual([dev.url])
  })

  it('serves an app on another origin through publicClient.redirectUris, with no proxy: the code comes back to the app', async () => {
    // The app's own server, on a second port.
    const app = createServer((_, response) => response.end('the app'))
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => app.close(() => resolve())))
    const appCallback = `http://127.0.0.1:${(app.address() as AddressInfo).port}/callback`
    const other = await startDevProvider({ publicClient: { redirectUris: [appCallback] } })
    onTestFinished(() => other.close())
    const { grantflow, browser } = ledgerline(
      { origin: other.url, issuer: other.issuer, apiUrl: other.apiUrl, origins: other.origins },
      {},
      { redirectUri: appCallback },
    )
    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, nineBoxes())
    expect(receipt.formBundleNumber).toMatch(/\S/)
    expect(browser.callbacks).toHaveLength(1)
    expect(browser.callbacks[0]!.startsWith(`${appCallback}?`)).toBe(true)
  })

  it('refuses a redirect URI in clear off loopback, or with a fragment, when it starts', async () => {
    await expect(startDevProvider({ publicClient: { redirectUris: ['http://app.example/callback'] } })).rejects.toThrow(/https, or http on loopback/)
    await expect(startDevProvider({ publicClient: { redirectUris: ['https://app.example/callback#x'] } })).rejects.toThrow(/without a fragment/)
  })

  it('answers 404 off its routes and refuses a Host it was not made for', async () => {
    expect((await fetch(`${dev.url}/elsewhere`)).status).toBe(404)
    const foreign = await rawRequest(`${dev.issuer}/.well-known/openid-configuration`, { headers: { host: 'evil.example' } })
    expect(foreign.status).toBe(421)
  })

  it('stops listening on close', async () => {
    const other = await startDevProvider()
    await other.close()
    await expect(fetch(`${other.url}/oidc/.well-known/openid-configuration`)).rejects.toThrow()
  })
})
