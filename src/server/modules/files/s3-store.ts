import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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
  const client = new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    credentials: s.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const key = (sha: string) => `${s.prefix}${shardedName(sha)}`;
  return {
    kind: 's3',
    close: () => client.destroy(),
    where: `s3://${s.bucket}/${s.prefix}`,
    async put(bytes) {
      const sha = sha256Of(bytes);
      // A PUT of an existing key replaces it (same bytes) and moves its LastModified: the sweeper's
      // grace period then runs from this writer.
      await client.send(
        new PutObjectCommand({
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
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
        if (!r.Body) return null;
        return checked(sha, Buffer.from(await r.Body.transformToByteArray()));
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
    },
    async has(sha) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
        return true;
      } catch (e) {
        if (notFound(e)) return false;
        throw e;
      }
    },
    async delete(sha) {
      await client.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: key(sha) }));
    },
    async *list() {
      let token: string | undefined;
      do {
        const r = await client.send(
          new ListObjectsV2Command({ Bucket: s.bucket, Prefix: s.prefix, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) {
          const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
          if (isSha256(name) && o.Key === key(name))
            yield { sha256: name, modifiedAt: o.LastModified ?? new Date(0) };
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    },
  };
}
