import { describe, expect, it } from 'vitest'
import { piste } from '../../src/providers/piste.js'
import { createProviderKit, LEGIFRANCE_GET_ARTICLE_PATH, pisteRoutes } from '../../src/testing/index.js'
import { postForm, useMswServer } from './support.js'

const { serve } = useMswServer()
const TOKEN = 'https://sandbox-oauth.piste.gouv.fr/api/oauth/token'
const GET_ARTICLE = `https://sandbox-api.piste.gouv.fr${LEGIFRANCE_GET_ARTICLE_PATH}`

function pisteKit() {
  return serve(
    createProviderKit({
      provider: piste,
      environment: 'sandbox',
      clients: [{ clientId: 'legifrance-app', clientSecret: 's3cret', authMethod: 'client_secret_post' }],
      api: pisteRoutes(),
      quirks: { tokenTypeMissing: true },
    }),
  )
}

async function applicationToken(): Promise<string> {
  const response = await postForm(TOKEN, { grant_type: 'client_credentials', client_id: 'legifrance-app', client_secret: 's3cret', scope: 'openid' })
  return ((await response.json()) as { access_token: string }).access_token
}

function getArticle(token: string | undefined, id: string) {
  return fetch(GET_ARTICLE, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ id }),
  })
}

describe('PISTE (Légifrance) routes', () => {
  it('returns an article to an application token', async () => {
    const kit = pisteKit()
    const response = await getArticle(await applicationToken(), 'LEGIARTI000006419282')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ article: { id: 'LEGIARTI000006419282', num: '2' } })
    expect(kit.counters).toMatchObject({ apiCalls: 1, tokenRequestsByGrant: { client_credentials: 1 } })
  })

  it('answers article null for an unknown id and 400 without one', async () => {
    pisteKit()
    const token = await applicationToken()
    expect(await (await getArticle(token, 'LEGIARTI000000000000')).json()).toMatchObject({ article: null })
    expect((await getArticle(token, '')).status).toBe(400)
  })

  it('refuses a request without a token with a Bearer challenge for the piste realm', async () => {
    pisteKit()
    const response = await getArticle(undefined, 'LEGIARTI000006419282')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="piste"')
  })

  it('has no authorization endpoint: the kit serves only the token endpoint and the API', () => {
    expect(pisteKit().handlers).toHaveLength(2)
  })

  it('asks for a new token when the old one expired: no refresh token exists', async () => {
    const kit = pisteKit()
    const first = await applicationToken()
    kit.expireAccessTokens()
    expect((await getArticle(first, 'LEGIARTI000006419282')).status).toBe(401)
    expect((await getArticle(await applicationToken(), 'LEGIARTI000006419282')).status).toBe(200)
  })
})
