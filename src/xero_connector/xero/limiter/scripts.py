"""The Redis backend's Lua scripts: each step of ``backend``'s rules in one atomic round trip.

Keys (all under one hash tag, so a cluster keeps them in one slot): per tenant ``inflight``
(lease -> expiry), ``win`` (window entry -> end), ``day`` (15-minute bucket -> calls), ``pause``
(until); per app ``win``, ``pause``, ``served`` (tenant -> last admitted), ``queue`` (waiting
tenant -> its served time) and ``seen`` (waiting tenant -> last asked, or when a peek's caller
is due back). Time is Redis's own ``TIME``, the one clock every process shares.
``memory.MemoryBackend`` is the same code in Python.
"""

from __future__ import annotations

# KEYS: 1 t:inflight 2 t:win 3 t:day 4 t:pause 5 app:win 6 app:pause 7 app:served 8 app:queue
#       9 app:seen
_COMMON = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local has_tenant = ARGV[1] == '1'
local tenant = ARGV[2]
local lease = ARGV[3]
local W = tonumber(ARGV[4])
local bucket_len = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local lag = tonumber(ARGV[7])
local bucket = math.floor(now / bucket_len)

-- An exclusive score bound, exact: Lua's own number-to-text keeps 14 digits, which rounds a
-- score of ours (seconds since 1970, to the microsecond) up or down by a fraction of a millisecond.
local function exclusive(x)
  return '(' .. string.format('%.17g', x)
end

-- Window entries are kept ``lag`` seconds past their window, so that a release can count what
-- the window held when its call was admitted; only entries ending after ``from`` count.
local function live(key, from)
  return redis.call('ZCOUNT', key, exclusive(from), '+inf')
end

local function kth_end(key, k)
  local n = live(key, now - W)
  if n == 0 then return now end
  if k <= 0 then k = 0 end
  if k > n - 1 then k = n - 1 end
  local found = redis.call('ZRANGEBYSCORE', key, exclusive(now - W), '+inf', 'WITHSCORES',
    'LIMIT', k, 1)
  local e = tonumber(found[2])
  if e > now then return now end
  return e
end

local function day_total()
  local fields = redis.call('HGETALL', KEYS[3])
  local total, oldest = 0, nil
  for i = 1, #fields, 2 do
    local index, count = tonumber(fields[i]), tonumber(fields[i + 1])
    if index < bucket - 96 then
      redis.call('HDEL', KEYS[3], fields[i])
    else
      total = total + count
      if count > 0 and (oldest == nil or index < oldest) then oldest = index end
    end
  end
  return total, oldest
end

local function prune_app()
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - W - lag)
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - W)
end

local function prune_tenant()
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - W - lag)
end

local function keep(first, last)
  for i = first, last do redis.call('PEXPIRE', KEYS[i], ttl) end
end

local function phantoms(key, count)
  for i = 1, count do redis.call('ZADD', key, now, lease .. ':p' .. i) end
end
"""

# ARGV 8.. : conc, minute, day, app_minute, lease_seconds, poll, stale, admit
ACQUIRE = (
    _COMMON
    + """
local conc, minute, day = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local app_minute, lease_s = tonumber(ARGV[11]), tonumber(ARGV[12])
local poll, stale, admit = tonumber(ARGV[13]), tonumber(ARGV[14]), ARGV[15] == '1'

prune_app()
local gone = redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', now - stale)
for _, member in ipairs(gone) do
  redis.call('ZREM', KEYS[8], member)
  redis.call('ZREM', KEYS[9], member)
end
if has_tenant then
  prune_tenant()
  local total, oldest = day_total()
  local pause = tonumber(redis.call('GET', KEYS[4]) or '0')
  if pause > now then return {0, tostring(pause - now), 'paused'} end
  if redis.call('ZCARD', KEYS[1]) >= conc then
    local soonest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
    return {0, tostring(math.min(soonest - now, poll)), 'concurrency'}
  end
  local n = live(KEYS[2], now - W)
  if n >= minute then
    return {0, tostring(kth_end(KEYS[2], n - minute) + W - now), 'minute'}
  end
  if total >= day then
    return {0, tostring((oldest + 97) * bucket_len - now), 'day'}
  end
end
local app_pause = tonumber(redis.call('GET', KEYS[6]) or '0')
if app_pause > now then return {0, tostring(app_pause - now), 'app_paused'} end
local free = app_minute - live(KEYS[5], now - W)
if not has_tenant then
  if free <= 0 then
    return {0, tostring(kth_end(KEYS[5], -free) + W - now), 'app'}
  end
else
  local mine = tonumber(redis.call('ZSCORE', KEYS[7], tenant) or '0')
  local ahead = redis.call('ZCOUNT', KEYS[8], '-inf', exclusive(mine))
  if ahead >= free then
    local wait = kth_end(KEYS[5], ahead - free) + W - now
    -- A peek's caller is deferred by ``wait``: its place lasts until it is due back.
    local seen = now
    if not admit then seen = now + wait end
    redis.call('ZADD', KEYS[8], mine, tenant)
    redis.call('ZADD', KEYS[9], seen, tenant)
    keep(8, 9)
    local reason = 'fair'
    if free <= 0 then reason = 'app' end
    return {0, tostring(wait), reason}
  end
end
if not admit then return {1, '0', 'admitted', tostring(now)} end
local expiry = now + lease_s
redis.call('ZADD', KEYS[5], expiry, lease)
if has_tenant then
  redis.call('ZADD', KEYS[1], expiry, lease)
  redis.call('ZADD', KEYS[2], expiry, lease)
  redis.call('HINCRBY', KEYS[3], bucket, 1)
  redis.call('ZADD', KEYS[7], now, tenant)
  redis.call('ZREM', KEYS[8], tenant)
  redis.call('ZREM', KEYS[9], tenant)
  keep(1, 3)
end
keep(5, 7)
return {1, '0', 'admitted', tostring(now)}
"""
)

# ARGV 8.. : minute, day, app_minute, minute_rem, day_rem, app_rem ('' = unknown), problem,
#            retry_after, admitted_at (the backend time the call was admitted; '' = now)
RELEASE = (
    _COMMON
    + """
local minute, day, app_minute = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local minute_rem, day_rem, app_rem = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local problem, retry_after = ARGV[14], tonumber(ARGV[15])
-- Xero's remaining counts were computed when the call arrived: compare them with what our
-- windows held then (entries ending after admission - W), not with what they hold now.
local from = (tonumber(ARGV[16]) or now) - W

prune_app()
redis.call('ZADD', KEYS[5], 'XX', now, lease)
if has_tenant then
  prune_tenant()
  redis.call('ZREM', KEYS[1], lease)
  redis.call('ZADD', KEYS[2], 'XX', now, lease)
  if minute_rem then
    local missing = minute - live(KEYS[2], from) - minute_rem
    phantoms(KEYS[2], math.min(missing, minute))
  end
  if day_rem then
    local total = day_total()
    local missing = day - total - day_rem
    if missing > 0 then redis.call('HINCRBY', KEYS[3], bucket, math.min(missing, day)) end
  end
  keep(2, 3)
end
if app_rem then
  local missing = app_minute - live(KEYS[5], from) - app_rem
  phantoms(KEYS[5], math.min(missing, app_minute))
end
if problem ~= '' then
  local until_ = now + (retry_after or 0)
  local key = nil
  if problem == 'app' then key = KEYS[6] elseif has_tenant then key = KEYS[4] end
  if key then
    local current = tonumber(redis.call('GET', key) or '0')
    if until_ > current then
      redis.call('SET', key, tostring(until_), 'PX', math.ceil((until_ - now) * 1000) + 1000)
    end
  end
end
return 1
"""
)

# ARGV 8: lease_seconds
RENEW = (
    _COMMON
    + """
local expiry = now + tonumber(ARGV[8])
prune_app()
if not has_tenant then
  local current = redis.call('ZSCORE', KEYS[5], lease)
  if not current or tonumber(current) <= now then return 0 end
  redis.call('ZADD', KEYS[5], 'XX', expiry, lease)
  return 1
end
prune_tenant()
if not redis.call('ZSCORE', KEYS[1], lease) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', expiry, lease)
redis.call('ZADD', KEYS[2], 'XX', expiry, lease)
redis.call('ZADD', KEYS[5], 'XX', expiry, lease)
return 1
"""
)
