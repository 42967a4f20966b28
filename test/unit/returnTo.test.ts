import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safeReturnTo } from '../../src/index.js'

const APP = 'https://app.example'

/** What a browser or server makes of `target` as a Location header or `location.assign(target)` on the app. */
function followed(target: string) {
  const url = new URL(target, APP)
  return { origin: url.origin, path: url.href.slice(url.origin.length) }
}

describe('safeReturnTo (no open redirects)', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    expect(safeReturnTo('/returns/new?period=18A1#box5')).toBe('/returns/new?period=18A1#box5')
  })

  it('returns the path as the URL parser normalises it', () => {
    expect(safeReturnTo('/returns/./new/../2024?q=a b')).toBe('/returns/2024?q=a%20b')
    expect(safeReturnTo('/returns/%2e%2e/settings')).toBe('/settings')
    expect(safeReturnTo('/returns?next=%2Fa%2Fb')).toBe('/returns?next=%2Fa%2Fb')
  })

  it.each(['https://evil.example/', '//evil.example/path', '/\\evil.example', 'javascript:alert(1)', 'evil.example', '', undefined])('refuses %s', (value) => {
    expect(safeReturnTo(value)).toBeUndefined()
  })

  // Each of these passes a check on the raw string, and the URL parser makes a protocol-relative
  // `//evil.com` of it (dot segments, encoded dots, backslashes, stripped tabs and newlines), or a
  // server that decodes the path once would (encoded slashes and backslashes).
  it.each([
    '/./\\evil.com',
    '/.//evil.com',
    '/%2e//evil.com',
    '/%2e%2e//evil.com',
    '/%2E%2E/\\evil.com',
    '/a/..//evil.com',
    '/a/%2e%2e/\\evil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    '/\r\n/evil.com',
    '/\t/app.example//evil.com',
    // The throwaway origin the check resolves against is no secret either.
    '/\t/grantflow.invalid//evil.com',
    '/\\/evil.com',
    '/%5cevil.com',
    '/%5Cevil.com',
    '/%2fevil.com',
    '/..%2f..%2f/evil.com',
    '/returns?next=\\evil.com',
    '/returns#\\evil.com',
    '/\u0000/evil.com',
  ])('refuses %j, which leads off the app once normalised', (value) => {
    expect(safeReturnTo(value)).toBeUndefined()
  })

  it('never yields a target that leaves the app or changes on the way, whatever the input', () => {
    // Strings made of the pieces redirect tricks are made of, as well as any string at all.
    const piece = fc.constantFrom(
      '/',
      '\\',
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '%5C',
      '%',
      '\t',
      '\n',
      '\r',
      ' ',
      '\u0000',
      '\u001f',
      '\u007f',
      '?',
      '#',
      '@',
      ':',
      '//',
      'evil.com',
      'app.example',
      'a',
      'é',
      '\u2028',
    )
    const tricky = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(''))
    const input = fc.oneof(
      tricky,
      tricky.map((s) => `/${s}`),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'binary' }).map((s) => `/${s}`),
    )
    fc.assert(
      fc.property(input, (value) => {
        const safe = safeReturnTo(value)
        if (safe === undefined) return
        expect(safe.startsWith('/') && !safe.startsWith('//')).toBe(true)
        expect(safe).not.toContain('\\')
        expect(followed(safe)).toEqual({ origin: APP, path: safe })
      }),
      { numRuns: 20_000 },
    )
  })
})
