import type { GrantDescriptor } from '../types.js'

/**
 * The client credentials grant (RFC 6749 §4.4): the application asks for itself, no user takes
 * part, and a token that runs out is simply asked for again. Step: requestClientCredentials.
 */
export const clientCredentials: GrantDescriptor = { type: 'client_credentials', interaction: 'none', renewal: 'reacquire' }
