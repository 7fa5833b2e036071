/**
 * A small promise wrapper over IndexedDB: the visitor app keeps its session, the offline bundle and
 * the queue of unsent visits (with their photo Blobs) here, so they survive reloads and restarts.
 */
const DB_NAME = 'tanfang-visitor';
const DB_VERSION = 1;
export type StoreName = 'kv' | 'queue';

let opening: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
      if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'clientId' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

function run<T>(
  store: StoreName,
  mode: IDBTransactionMode,
  fn: (s: IDBObjectStore) => IDBRequest<T> | undefined,
) {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const req = fn(tx.objectStore(store));
        // Resolve on commit, so a reload right after a save never loses it.
        tx.oncomplete = () => resolve(req?.result as T);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB 事务中止'));
      }),
  );
}

export const idb = {
  get: <T>(store: StoreName, key: IDBValidKey) => run<T | undefined>(store, 'readonly', (s) => s.get(key)),
  getAll: <T>(store: StoreName) => run<T[]>(store, 'readonly', (s) => s.getAll()),
  put: (store: StoreName, value: unknown, key?: IDBValidKey) =>
    run(store, 'readwrite', (s) => s.put(value, key)).then(() => undefined),
  delete: (store: StoreName, key: IDBValidKey) =>
    run(store, 'readwrite', (s) => s.delete(key)).then(() => undefined),
  clear: (store: StoreName) => run(store, 'readwrite', (s) => s.clear()).then(() => undefined),
};
