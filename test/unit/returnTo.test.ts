import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safeReturnTo } from '../../src/index.js'

describe('safeReturnTo (no open redirects)', () => {
  it('keeps same-origin paths with their query and fragment', () => {
    expect(safeReturnTo('/returns/new?period=18A1#box5')).toBe('/returns/new?period=18A1#box5')
  })

  it.each([
    'https://evil.example/',
    '//evil.example/path',
    '/\\evil.example',
    'javascript:alert(1)',
    'evil.example',
    '',
    undefined,
  ])('refuses %s', (value) => {
    expect(safeReturnTo(value)).toBeUndefined()
  })

  it('never yields a target that leaves the app, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const safe = safeReturnTo(value)
        if (safe === undefined) return
        const app = 'https://app.example'
        expect(new URL(safe, app).origin).toBe(app)
        expect(safe.startsWith('/')).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
