// ModelSource over the Worker's static assets (the `assets` binding, wrangler.jsonc -> models/) or
// an R2 bucket (production packs too large or too many for assets). Both are read on first use only;
// the loaded sessions are kept for the isolate's life by index.ts.
import type { ModelSource } from '../../src/classify/types.ts';

/** The part of the assets Fetcher binding this uses. */
export interface AssetFetcher {
  fetch(input: Request | string): Promise<Response>;
}

/** The part of an R2Bucket binding this uses. */
export interface R2BucketLike {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

/** Pack paths come from config: keep them inside the packs root, as the file source on Node does. */
export function cleanPackPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\\'))) throw new Error(`path escapes the model root: ${path}`);
  return parts.join('/');
}

// Assets are addressed by URL path; the host is never contacted (the binding serves from the upload).
const ASSET_ORIGIN = 'https://assets.invalid/';

export function createAssetSource(assets: AssetFetcher, prefix = ''): ModelSource {
  const base = prefix ? `${cleanPackPath(prefix)}/` : '';
  return {
    async read(path) {
      const key = base + cleanPackPath(path);
      const res = await assets.fetch(new Request(ASSET_ORIGIN + key));
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`static asset /${key}: HTTP ${res.status}`);
      }
      return new Uint8Array(await res.arrayBuffer());
    },
    describe: (path) => `assets:/${base}${path}`,
  };
}

export function createR2Source(bucket: R2BucketLike, prefix = ''): ModelSource {
  const base = prefix ? `${cleanPackPath(prefix)}/` : '';
  return {
    async read(path) {
      const key = base + cleanPackPath(path);
      const obj = await bucket.get(key);
      if (!obj) throw new Error(`R2 object ${key}: not found`);
      return new Uint8Array(await obj.arrayBuffer());
    },
    describe: (path) => `r2:${base}${path}`,
  };
}
