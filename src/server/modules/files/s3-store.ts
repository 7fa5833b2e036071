import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../config.js';
import { checked, type FileStore, isSha256, sha256Of, shardedName } from './store.js';

const notFound = (e: unknown) => {
  const x = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return x.name === 'NotFound' || x.name === 'NoSuchKey' || x.$metadata?.httpStatusCode === 404;
};

/**
 * Files in an S3-compatible bucket through AWS's own SDK. The SDK's default extra checksums (CRC32
 * headers since 3.729) are asked only where the protocol requires them: several S3-compatible servers
 * refuse them. The bytes are checked against their SHA-256 name on every read instead.
 */
export function s3Store(s: S3Settings): FileStore {
  // The SDK (~300 modules) is loaded on first use: a server keeping files elsewhere never loads it.
  let sdk: Promise<{ client: S3Client; m: typeof import('@aws-sdk/client-s3') }> | undefined;
  const open = () =>
    (sdk ??= import('@aws-sdk/client-s3').then((m) => ({
      m,
      client: new m.S3Client({
        region: s.region,
        endpoint: s.endpoint,
        forcePathStyle: s.forcePathStyle,
        credentials: s.credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    })));
  const key = (sha: string) => `${s.prefix}${shardedName(sha)}`;
  return {
    kind: 's3',
    close: () => void sdk?.then(({ client }) => client.destroy()),
    where: `s3://${s.bucket}/${s.prefix}`,
    async put(bytes) {
      const { client, m } = await open();
      const sha = sha256Of(bytes);
      // A PUT of an existing key replaces it (same bytes) and moves its LastModified: the sweeper's
      // grace period then runs from this writer.
      await client.send(
        new m.PutObjectCommand({
          Bucket: s.bucket,
          Key: key(sha),
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
        }),
      );
      return sha;
    },
    async get(sha) {
      const { client, m } = await open();
      try {
        const r = await client.send(new m.GetObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
        if (!r.Body) return null;
        return checked(sha, Buffer.from(await r.Body.transformToByteArray()));
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    async has(sha) {
      const { client, m } = await open();
      try {
        await client.send(new m.HeadObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
        return true;
      } catch (e) {
        if (notFound(e)) return false;
        throw e;
      }
    },
    async delete(sha) {
      const { client, m } = await open();
      await client.send(new m.DeleteObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
    },
    async *list() {
      const { client, m } = await open();
      // ListObjects (v1) paged by Marker = the last key: understood by every S3-compatible server
      // (s3rver's v2 continuation tokens need a cipher OpenSSL 3 no longer has).
      let marker: string | undefined;
      for (;;) {
        const r = await client.send(
          new m.ListObjectsCommand({ Bucket: s.bucket, Prefix: s.prefix, Marker: marker }),
        );
        const objects = r.Contents ?? [];
        for (const o of objects) {
          const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
          if (isSha256(name) && o.Key === key(name))
            yield { sha256: name, modifiedAt: o.LastModified ?? new Date(0) };
        }
        if (!r.IsTruncated || !objects.length) return;
        marker = objects[objects.length - 1].Key;
      }
    },
  };
}
