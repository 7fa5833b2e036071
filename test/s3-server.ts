import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../src/server/config.js';

/**
 * An S3-compatible server in this process for the S3 store's tests: s3rver (npm), which speaks the
 * S3 REST protocol (path-style, signature V4 accepted, objects in a folder). No MinIO or Ceph could
 * be installed here from Debian or npm; README "文件存储" says what this does and does not prove.
 */
export async function startS3(
  bucket = 'tanfang-files',
): Promise<{ settings: S3Settings; stop: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'tanfang-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    settings: {
      bucket,
      prefix: 'tanfang/',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
