// Who can sign in at the embedded provider: apart from the interaction pages, so the public
// declarations of grantflow/dev name no oidc-provider type.

/** A user who can sign in at the embedded provider. */
export interface DemoAccount {
  login: string
  password: string
  /** How the consent page names them ("Demo User"). */
  name?: string
}
