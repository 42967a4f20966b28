// The Postgres session store's entry (built by the pgstore helper); empty until it lands.
export {}
