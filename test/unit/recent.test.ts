import { describe, expect, it } from 'vitest'
import { forgetOldest, RECENT_CALLBACKS } from '../../src/runtime/recent.js'

describe('forgetOldest', () => {
  it('keeps the newest entries of a Map, in order, up to the limit', () => {
    const map = new Map(Array.from({ length: RECENT_CALLBACKS + 5 }, (_, i) => [`state-${i}`, i] as const))
    forgetOldest(map)
    expect(map.size).toBe(RECENT_CALLBACKS)
    expect([...map.keys()][0]).toBe('state-5')
    expect(map.has(`state-${RECENT_CALLBACKS + 4}`)).toBe(true)
  })

  it('leaves a Set under the limit alone, and trims one over it', () => {
    const set = new Set(['a', 'b', 'c'])
    forgetOldest(set, 3)
    expect([...set]).toEqual(['a', 'b', 'c'])
    set.add('d')
    forgetOldest(set, 3)
    expect([...set]).toEqual(['b', 'c', 'd'])
  })
})
