import { describe, expect, it } from 'vitest'
import { decideLocalRequest, isLoopbackAddress, parseConfiguredOrigin, type LocalRequest, type LocalRequestPolicy } from '../../src/devServer/localRequests.js'

// Who the embedded provider answers, decided from the socket and the headers alone. A peer from
// another machine cannot be had here, so these requests are made up: a socket whose remote
// address is a documentation address (RFC 5737, RFC 3849) stands for one.

const PORT = 5173
const REMOTE = ['203.0.113.7', '198.51.100.20', '2001:db8::1', '::ffff:203.0.113.7', 'fe80::1', '128.0.0.1']

function requestFrom(remoteAddress: string | undefined, headers: LocalRequest['headers'] = {}): LocalRequest {
  return { headers: { host: `127.0.0.1:${PORT}`, ...headers }, socket: { remoteAddress, localPort: PORT } }
}

const provider: LocalRequestPolicy = { secure: false, sameOriginOnly: false }
const controlRoute: LocalRequestPolicy = { secure: false, sameOriginOnly: true }

describe('isLoopbackAddress', () => {
  it('takes 127.0.0.0/8, ::1 and their IPv4-mapped forms, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.45.6.7', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      expect(isLoopbackAddress(address), address).toBe(true)
    }
    for (const address of [...REMOTE, '0.0.0.0', '::', 'localhost', '', undefined]) expect(isLoopbackAddress(address), String(address)).toBe(false)
  })
})

describe('decideLocalRequest', () => {
  it('refuses a peer from another machine whatever its headers say, on every kind of route', () => {
    for (const address of [...REMOTE, undefined]) {
      for (const policy of [provider, controlRoute]) {
        const decision = decideLocalRequest(requestFrom(address, { 'x-forwarded-for': '127.0.0.1', origin: `http://127.0.0.1:${PORT}` }), policy)
        expect(decision, String(address)).toEqual({
          accepted: false,
          status: 403,
          code: 'NOT_LOOPBACK',
          message: 'The embedded provider answers requests from this machine only',
        })
      }
    }
  })

  it('answers a loopback peer for the loopback name its Host gives, at the port it connected to', () => {
    for (const [address, host, origin] of [
      ['127.0.0.1', `127.0.0.1:${PORT}`, `http://127.0.0.1:${PORT}`],
      ['127.0.0.1', `LOCALHOST:${PORT}`, `http://localhost:${PORT}`],
      ['::1', `[::1]:${PORT}`, `http://[::1]:${PORT}`],
      ['::ffff:127.0.0.1', `localhost:${PORT}`, `http://localhost:${PORT}`],
    ] as const) {
      expect(decideLocalRequest(requestFrom(address, { host }), provider)).toEqual({ accepted: true, origin })
    }
    const https = { socket: { remoteAddress: '127.0.0.1', localPort: 443 }, headers: { host: 'localhost' } }
    expect(decideLocalRequest(https, { ...provider, secure: true })).toEqual({ accepted: true, origin: 'https://localhost' })
  })

  it('refuses a Host that names another machine, another port or none (421), so no issuer is made for it', () => {
    for (const host of [
      'attacker.example',
      `attacker.example:${PORT}`,
      `127.0.0.1.nip.io:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      `localhost:${PORT}.attacker.example`,
      '127.0.0.1',
      '',
    ]) {
      expect(decideLocalRequest(requestFrom('127.0.0.1', { host }), provider), host).toEqual({
        accepted: false,
        status: 421,
        code: 'MISDIRECTED_REQUEST',
        message: `The embedded provider answers at http://127.0.0.1:${PORT}, http://localhost:${PORT}, http://[::1]:${PORT} only`,
      })
    }
  })

  it('answers the configured origin’s host too (a tunnel’s agent on this machine), as that origin', () => {
    const tunnel = { ...provider, configuredOrigin: 'https://ledgerline.example' }
    expect(decideLocalRequest(requestFrom('127.0.0.1', { host: 'ledgerline.example' }), tunnel)).toEqual({
      accepted: true,
      origin: 'https://ledgerline.example',
    })
    expect(decideLocalRequest(requestFrom('127.0.0.1', { host: 'other.example' }), tunnel)).toMatchObject({
      accepted: false,
      status: 421,
      message: expect.stringContaining('https://ledgerline.example'),
    })
    // Still this machine's peers only: the tunnel's name is no way in from elsewhere.
    expect(decideLocalRequest(requestFrom('203.0.113.7', { host: 'ledgerline.example' }), tunnel)).toMatchObject({ accepted: false, status: 403 })
  })

  it('refuses another origin’s page on the control and server routes, and lets the page’s own origin and non-browser clients in', () => {
    const own = `http://127.0.0.1:${PORT}`
    for (const headers of [
      { origin: 'http://localhost:3000' },
      { origin: `http://localhost:${PORT}` },
      { origin: 'http://evil.localhost:5173' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      expect(decideLocalRequest(requestFrom('127.0.0.1', headers), controlRoute), JSON.stringify(headers)).toEqual({
        accepted: false,
        status: 403,
        code: 'CROSS_ORIGIN',
        message: `This route answers pages of ${own} only`,
      })
    }
    for (const headers of [{}, { origin: own }, { origin: own, 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }]) {
      expect(decideLocalRequest(requestFrom('127.0.0.1', headers), controlRoute), JSON.stringify(headers)).toEqual({ accepted: true, origin: own })
    }
    // The provider's own routes leave CORS to oidc-provider.
    expect(decideLocalRequest(requestFrom('127.0.0.1', { origin: 'http://localhost:3000' }), provider)).toEqual({ accepted: true, origin: own })
  })
})

describe('parseConfiguredOrigin', () => {
  it('takes a bare http(s) origin and refuses anything more or else', () => {
    expect(parseConfiguredOrigin('https://Ledgerline.example/')).toBe('https://ledgerline.example')
    expect(parseConfiguredOrigin('http://ledgerline.example:8080')).toBe('http://ledgerline.example:8080')
    for (const value of [
      'ledgerline.example',
      'https://ledgerline.example/app',
      'https://ledgerline.example?x=1',
      'https://user@ledgerline.example',
      'ftp://ledgerline.example',
    ]) {
      expect(() => parseConfiguredOrigin(value), value).toThrow(TypeError)
    }
  })
})
