import * as oauth from 'oauth4webapi'
import { readChallenge, type ResourceChallenge } from './challenge.js'

/**
 * oauth4webapi's WWW-Authenticate parser, run on a response already received: its
 * protectedResourceRequest is handed that response through `customFetch`, so nothing is sent
 * twice and no parser is written here. Undefined when the header holds no parseable challenge.
 */
export async function parseChallenge(response: Response): Promise<ResourceChallenge | undefined> {
  try {
    await oauth.protectedResourceRequest('-', 'GET', new URL(response.url || 'https://challenge.invalid/'), undefined, undefined, {
      [oauth.customFetch]: async () => response,
      [oauth.allowInsecureRequests]: true,
    })
    return undefined
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return readChallenge(error.cause)
    return undefined
  }
}
