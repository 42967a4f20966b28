// One line of the embedded provider's access log: apart from what reads it off oidc-provider's
// context, so the public declarations of grantflow/dev name no oidc-provider type.

/** One request the provider answered, as its access log would say (never a token). */
export interface ProviderRequest {
  /** oidc-provider's route name: authorization, resume, token, revocation, introspection, jwks, discovery... */
  route: string | undefined
  method: string
  path: string
  status: number
  clientId?: string
  /** How the client authenticated (none, client_secret_basic, private_key_jwt). */
  authMethod?: string
  grantType?: string
  resource?: string
  tokenTypeHint?: string
  /** The OAuth error it answered with. */
  error?: string
}
