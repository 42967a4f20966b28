import { expect, it } from 'vitest'
import { InvalidCallbackError, ProviderUnreachableError } from '../../src/index.js'
import { describeError, subjectOf } from '../../src/react/describeError.js'

it('names an unknown provider in lower case mid-sentence and capitalised to begin one', () => {
  const neutral = subjectOf(undefined)
  expect(describeError(new InvalidCallbackError('state_mismatch'), neutral)).toBe('The answer from the provider could not be verified, so it was not used.')
  expect(describeError(new ProviderUnreachableError('network', 'https://login.example/token'), neutral)).toMatch(/^The provider cannot be reached right now\./)
  // A provider's own name is left as it is spelt, at the start too.
  expect(describeError(new ProviderUnreachableError('network', 'https://login.example/token'), { provider: 'eBay', api: 'Orders' })).toMatch(/^eBay cannot/)
})
