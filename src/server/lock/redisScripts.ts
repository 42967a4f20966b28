// The Redis side of the lock, each step one atomic script: a check and a write that no other
// client can come between. KEYS[1] is the lock, KEYS[2] its fencing counter; ARGV[1] the
// holder's owner token.

/**
 * Takes the lock if free (SET NX PX ARGV[2]), then gives the holder the key's next fencing token
 * and keeps the counter ARGV[3] ms from now (so a session no longer refreshed leaves no key); 0 if held.
 */
export const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then local fence = redis.call('incr', KEYS[2]) redis.call('pexpire', KEYS[2], ARGV[3]) return fence end return 0`

/** Extends the lease, only while the lock is still this owner's: 1 if extended, 0 if lost. */
export const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`

/** Frees the lock, only if it is still this owner's: a holder whose lease ran out never frees the next one's. */
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`
