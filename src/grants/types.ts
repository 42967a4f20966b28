/** The grants grantflow can obtain tokens with (RFC 6749 §4 and §6). */
export type GrantType = 'authorization_code' | 'client_credentials' | 'refresh_token'

/** A grant that can serve a person: the user takes part in it. */
export type PersonGrantType = 'authorization_code'

/** A grant that can serve the application itself: no user takes part. */
export type ApplicationGrantType = 'client_credentials'

/**
 * What a grant asks of the user: sending them to the provider and back (`redirect`), a code they
 * enter elsewhere (`user_code`, RFC 8628), their credentials typed into the app (`credentials`),
 * or nothing (`none`).
 */
export type GrantInteraction = 'redirect' | 'user_code' | 'credentials' | 'none'

/**
 * How a grant's tokens are renewed once they run out: with the refresh token it issued
 * (`refresh`), by running the grant again without the user (`reacquire`), or not at all (`none`).
 */
export type TokenRenewal = 'refresh' | 'reacquire' | 'none'

/** A grant as the runtime sees it: which it is, what it asks of the user, how its tokens are renewed. */
export interface GrantDescriptor {
  type: GrantType
  interaction: GrantInteraction
  renewal: TokenRenewal
}
