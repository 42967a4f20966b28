// The Next.js config the recipe needs: PGlite (the store's embedded Postgres when DATABASE_URL is
// not set) loads its WebAssembly from its own package folder, so it must stay out of the server
// bundle. `pg` is external in Next already. Next.js 15 and 16; on 14 the option is
// `experimental: { serverComponentsExternalPackages: [...] }`.
const nextConfig = {
  serverExternalPackages: ['@electric-sql/pglite'],
}

export default nextConfig
