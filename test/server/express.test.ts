import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { ConsentRequiredError, createGrantflow, defineClient, hmrc } from '../../src/index.js'
import { createGrantflowHandlers, mountGrantflowExpress, sendWebResponse } from '../../src/server/index.js'
import { createProviderKit, hmrcVatRoutes } from '../../src/testing/index.js'
import { vat, vatReturn, VRN } from '../support/vatWorld.js'
import { browser } from './serverWorld.js'

// The README's Express recipe as an app writes it: the handlers mounted before any body parser,
// the app's own route behind express.json(), its consent redirect written through `res`, and
// two companies, each signed in (here: the `x-company` header) in a browser of its own.

const msw = setupServer()
beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }))
afterAll(() => msw.close())

/** What the resolvers receive: the app's own idea of who is signed in, from Express's or the Web's request. */
interface SignedIn {
  company: string | undefined
}

it("serves two companies' consents through Express: each return filed once, with its own company's grant", async () => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const routes = hmrcVatRoutes()
  const kit = createProviderKit({
    provider: hmrc,
    environment: 'sandbox',
    clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [`${origin}/callback`] }],
    api: routes,
  })
  msw.use(...kit.handlers)

  const apiUser = { company: (signedIn: SignedIn) => signedIn.company }
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: `${origin}/callback` }) },
    environment: 'sandbox',
    apiUser,
  })
  const handlers = createGrantflowHandlers(grantflow, {
    apis: { vat },
    apiUser,
    callbackPath: '/callback',
    context: (request): SignedIn => ({ company: request.headers.get('x-company') ?? undefined }),
  })

  const app = express()
  mountGrantflowExpress(app, handlers) // before any body parser: the handlers read their own bodies
  app.use(express.json())
  app.post('/returns', async (req, res) => {
    try {
      const signedIn: SignedIn = { company: req.get('x-company') }
      const vrn = typeof req.query.vrn === 'string' ? req.query.vrn : VRN
      res.json(await grantflow.withContext(signedIn).apis.vat.submitReturn({ vrn }, vatReturn()))
    } catch (error) {
      if (error instanceof ConsentRequiredError) return sendWebResponse(res, handlers.consentRedirect(error))
      res.status(500).json({ error: 'failed' })
    }
  })
  server.on('request', app)

  for (const [company, vrn] of [
    ['acme-ltd', VRN],
    ['globex-plc', '987654321'],
  ]) {
    const user = browser(origin, company)
    const started = await user.post(`/returns?vrn=${vrn}`, {}, { 'content-type': 'application/json' })
    expect(started.status).toBe(303)
    expect(user.setCookies.some((cookie) => cookie.startsWith('grantflow-consent.'))).toBe(true)
    const done = await user.request(await kit.authorize(started.headers.get('location')!))
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ replayed: true, result: { formBundleNumber: expect.any(String) } })
  }
  expect(routes.submissions).toHaveLength(2)
  const [acme] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
  const [globex] = await grantflow.sessions.list({ kind: 'company', id: 'globex-plc' })
  expect(acme!.tokens!.accessToken).not.toBe(globex!.tokens!.accessToken)
  // Another company's browser cannot disconnect Acme's session: not one of its own.
  const mallory = browser(origin, 'globex-plc')
  expect((await mallory.post('/grantflow/disconnect', { sessionKey: acme!.key })).status).toBe(404)
})
