import { HttpResponse } from 'msw'
import type { KitRoute } from './types.js'

/** A Légifrance article as `consult/getArticle` returns it (the fields the demo shows). */
export interface LegifranceArticle {
  id: string
  num: string
  texte: string
  etat: string
  dateDebut: number
}

export interface PisteRoutesOptions {
  /** Articles by id; default a few articles of the Code civil. */
  articles?: Record<string, LegifranceArticle>
}

/** Légifrance's `getArticle` path under the PISTE API base, e.g. `${apiBaseUrl}${LEGIFRANCE_GET_ARTICLE_PATH}`. */
export const LEGIFRANCE_GET_ARTICLE_PATH = '/dila/legifrance/lf-engine-app/consult/getArticle'

/** Articles 1 and 2 of the Code civil; ids and dates are illustrative, the texts are the law's. */
const DEFAULT_ARTICLES: Record<string, LegifranceArticle> = {
  LEGIARTI000006419280: {
    id: 'LEGIARTI000006419280',
    num: '1',
    texte:
      "Les lois et, lorsqu'ils sont publiés au Journal officiel de la République française, les actes administratifs entrent en vigueur à la date qu'ils fixent ou, à défaut, le lendemain de leur publication.",
    etat: 'VIGUEUR',
    dateDebut: 1_086_048_000_000, // 2004-06-01
  },
  LEGIARTI000006419282: {
    id: 'LEGIARTI000006419282',
    num: '2',
    texte: "La loi ne dispose que pour l'avenir ; elle n'a point d'effet rétroactif.",
    etat: 'VIGUEUR',
    dateDebut: -5_263_747_200_000, // 1803-03-15
  },
}

/**
 * A small Légifrance (behind PISTE) API for the provider kit: `getArticle`, callable only with an
 * application token (client credentials grant), as on the real gateway.
 *
 * @example
 * const kit = createProviderKit({
 *   provider: piste,
 *   environment: 'sandbox',
 *   clients: [{ clientId: 'app', clientSecret: 's3cret', authMethod: 'client_secret_post' }],
 *   api: pisteRoutes(),
 * })
 */
export function pisteRoutes(options: PisteRoutesOptions = {}): KitRoute[] {
  const articles = options.articles ?? DEFAULT_ARTICLES
  return [
    {
      method: 'POST',
      path: LEGIFRANCE_GET_ARTICLE_PATH,
      applicationOnly: true,
      respond({ body }) {
        const id = body && typeof body === 'object' ? (body as Record<string, unknown>).id : undefined
        if (typeof id !== 'string' || id === '') {
          return HttpResponse.json({ status: 400, error: 'Bad Request', message: 'id is required' }, { status: 400 })
        }
        return { executionTime: 3, dereferenced: false, article: articles[id] ?? null }
      },
    },
  ]
}
