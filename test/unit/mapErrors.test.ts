import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { TokenEndpointError } from '../../src/index.js'
import { toGrantflowErrorReadingBody } from '../../src/oauth/mapErrors.js'

const as: oauth.AuthorizationServer = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }
const client: oauth.Client = { client_id: 'app' }

/** What oauth4webapi throws for this token endpoint answer. */
async function thrownFor(response: Response): Promise<unknown> {
  return oauth.processRefreshTokenResponse(as, client, response).then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('token endpoint failures as grantflow errors', () => {
  it('keeps the provider’s error code from a 5xx JSON body, which oauth4webapi leaves unread', async () => {
    const response = Response.json({ error: 'temporarily_unavailable', error_description: 'try later' }, { status: 503 })
    const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', status: 503, error: 'temporarily_unavailable', description: 'try later' })
  })

  it('says server_error for a 5xx with no OAuth error in its body', async () => {
    for (const response of [new Response('Service Unavailable', { status: 503 }), Response.json({ message: 'down' }, { status: 502 }), Response.json({ error: 'x'.repeat(500) }, { status: 500 })]) {
      const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
      expect(error).toMatchObject({ error: 'server_error', status: response.status })
    }
  })

  it('reads a 4xx error as oauth4webapi does, and never puts the body’s other fields in the message', async () => {
    const response = Response.json({ error: 'invalid_grant', access_token: 'SECRET-TOKEN' }, { status: 400 })
    const error = await toGrantflowErrorReadingBody(await thrownFor(response), 'refresh_token')
    expect(error).toMatchObject({ error: 'invalid_grant', status: 400 })
    expect(error.message).not.toContain('SECRET-TOKEN')
    expect(JSON.stringify(error)).not.toContain('SECRET-TOKEN')
  })
})
