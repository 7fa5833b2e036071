export { FILE_TABLES, storedShas as storedFileNames } from './repo.js';
export {
  FileMissingError,
  type FileRowBytes,
  fileBytes,
  fileStoreOf,
  type KeptFile,
  keepFile,
  type MigrateProgress,
  migrateFilesToStore,
  storedFiles,
  sweepOrphanFiles,
  verifyStoredFiles,
} from './service.js';
export { FileCorruptError, type FileStore, sha256Of } from './store.js';
