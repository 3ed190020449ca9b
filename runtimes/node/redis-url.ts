// The Redis URL the cache connects to. Its own module, without ioredis, for `--check`
// (check-startup.ts) to report a missing variable before the server loads.
import { ConfigError } from '../../src/config/config-error.ts';
import { isRedisUrl } from '../../src/config/sections/cache.ts';

/** The Redis URL: from the variable `url_env` names (a Secret), else `url`. */
export function redisUrl(redis: { url: string; url_env?: string }): string {
  if (!redis.url_env) return redis.url;
  const url = process.env[redis.url_env];
  if (!url) throw new ConfigError(`semantic_cache.redis.url_env: the environment variable ${redis.url_env} is not set`, []);
  // Never the value in the message: it holds the password.
  if (!isRedisUrl(url)) throw new ConfigError(`semantic_cache.redis.url_env: ${redis.url_env} holds no redis:// or rediss:// URL (nor a unix socket path)`, []);
  return url;
}
