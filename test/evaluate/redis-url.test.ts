// Redis URLs a user may really type: passwords with '/', '+', '=' (base64) or a bare '%', from --redis
// or $ESGRAD_REDIS_URL; the error is one UsageError line naming the source and never the password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisTarget } from '../../src/evaluate/redis-connect.ts';
import { UsageError } from '../../src/types.ts';

/** The UsageError redisTarget throws for `url` (or for $ESGRAD_REDIS_URL = `envUrl`). */
function refusal(url: string | undefined, envUrl?: string): string {
  try {
    redisTarget(url, envUrl === undefined ? {} : { ESGRAD_REDIS_URL: envUrl });
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail(`accepted ${url ?? envUrl}`);
}

describe('redis URLs with awkward passwords', () => {
  it("a '/' in the password is refused without printing it, naming --redis", () => {
    for (const url of ['redis://alice:Zm9v/YmFy+cQ==@db.example:6379/0', 'redis://alice:12/xyz@db:6379/0']) {
      const msg = refusal(url);
      assert.match(msg, /^--redis: 'redis:\/\/alice:\*\*\*@db[^']*': .*percent-encode/);
      assert.doesNotMatch(msg, /Zm9v|YmFy|xyz/);
    }
  });

  it('a URL from $ESGRAD_REDIS_URL is blamed on $ESGRAD_REDIS_URL, not --redis', () => {
    const msg = refusal(undefined, 'redis://:se/cret@h:6379/0');
    assert.match(msg, /^\$ESGRAD_REDIS_URL: /);
    assert.doesNotMatch(msg, /--redis|se\/cret|cret/);
    assert.match(refusal(undefined, 'redis://h:1/abc'), /^\$ESGRAD_REDIS_URL: database 'abc'/);
  });

  it("a '%' not followed by two hex digits is a UsageError saying to write %25", () => {
    const msg = refusal('redis://u:50%off@h:6379/0');
    assert.match(msg, /^--redis: 'redis:\/\/u:\*\*\*@h:6379\/0': a '%' .* write % as %25$/);
    assert.doesNotMatch(msg, /50|off/);
  });

  it('a percent-encoded password is accepted and kept out of the label', () => {
    const t = redisTarget('redis://alice:Zm9v%2FYmFy%2BcQ%3D%3D@db:6379/1', {});
    assert.equal(t.label, 'redis://alice@db:6379/1');
    assert.ok(!t.label.includes('Zm9v'));
    assert.equal(redisTarget('redis://u:100%25@h/0', {}).label, 'redis://u@h/0');
  });
});
