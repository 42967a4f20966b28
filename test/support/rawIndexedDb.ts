import type { IDBFactory } from 'fake-indexeddb'

/** Every session record in an IndexedDB database as it holds them, read past the store. */
export async function rawIndexedDbRecords(indexedDB: IDBFactory, name = 'grantflow'): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      const request = db.transaction('sessions').objectStore('sessions').getAll()
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}
