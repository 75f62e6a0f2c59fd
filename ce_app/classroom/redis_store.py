"""The classroom store in Redis (``CE_STORE=redis://host:6379/0``), for replicas on several machines.

Each change is one Lua script: Redis runs a script alone, so its checks and writes are one atomic step, in one
round trip. A room is five keys with the room's code as their hash tag (``{CODE}``); every change resets their
expiry to the room's TTL, so an idle room vanishes by itself after 4 hours. A sorted set of open rooms by last
use counts rooms for the cap. Times are stored as text (``repr`` of the float), read back exactly.
"""

from __future__ import annotations

import math

import redis

from . import store
from .store import QuestionRecord, Room, Store, Tally

_SEP = "\x1f"  # between the choice ids of a question, and between a question number and a choice in counts

# KEYS: 1 room hash, 2 students set, 3 questions hash, 4 answers hash, 5 counts hash, 6 sorted set of open rooms.
# ARGV: 1 now, 2 ttl (seconds), 3 code, then each script's own.
_PRELUDE = """
local now, ttl, code = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local function live()
  local r = redis.call('HMGET', KEYS[1], 'closed', 'touched', 'students', 'question')
  if not r[1] or tonumber(r[2]) < now - ttl then return nil end
  return r[1], tonumber(r[3]), tonumber(r[4])
end
local function keep(bump)
  redis.call('HSET', KEYS[1], 'touched', ARGV[1])
  if bump then redis.call('HINCRBY', KEYS[1], 'version', 1) end
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], math.ceil(ttl)) end
  redis.call('ZADD', KEYS[6], now, code)
end
"""
_CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. (now - ttl))
local touched = redis.call('HGET', KEYS[1], 'touched')
if touched and tonumber(touched) >= now - ttl then return 'exists' end
if redis.call('ZCARD', KEYS[6]) >= tonumber(ARGV[6]) then return 'full' end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'teacher', ARGV[4], 'lesson', ARGV[5], 'created', ARGV[1], 'closed', '0',
           'version', 1, 'students', 0, 'question', 0)
keep(false)
return 'ok'
"""
_JOIN = """
local closed, students = live()
if not closed then return 'unknown' end
if closed == '1' then return 'closed' end
if redis.call('SISMEMBER', KEYS[2], ARGV[4]) == 1 then keep(false) return 'already' end
if students >= tonumber(ARGV[5]) then return 'full' end
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('HINCRBY', KEYS[1], 'students', 1)
keep(false)
return 'ok'
"""
_SET_LESSON = """
local closed = live()
if not closed then return 'unknown' end
if closed == '1' then return 'closed' end
redis.call('HSET', KEYS[1], 'lesson', ARGV[4])
keep(true)
return 'ok'
"""
_OPEN = """
local closed, students, q = live()
if not closed then return {'unknown', 0} end
if closed == '1' then return {'closed', 0} end
if q > 0 and not redis.call('HGET', KEYS[3], q .. ':revealed') then return {'still_open', 0} end
if q >= tonumber(ARGV[7]) then return {'too_many', 0} end
q = q + 1
redis.call('HSET', KEYS[3], q .. ':payload', ARGV[4], q .. ':answer', ARGV[5], q .. ':choices', ARGV[6],
           q .. ':opened', ARGV[1], q .. ':students', 0)
redis.call('HSET', KEYS[1], 'question', q)
keep(true)
return {'ok', q}
"""
_ANSWER = """
local closed, students, q = live()
if not closed then return 'unknown' end
if closed == '1' then return 'closed' end
if redis.call('SISMEMBER', KEYS[2], ARGV[5]) == 0 then return 'not_joined' end
local n = tonumber(ARGV[4])
if n ~= q or n < 1 then return 'not_open' end
if redis.call('HGET', KEYS[3], n .. ':revealed') then return 'revealed' end
local valid = false
for choice in string.gmatch(redis.call('HGET', KEYS[3], n .. ':choices'), '[^\\31]+') do
  if choice == ARGV[6] then valid = true end
end
if not valid then return 'bad_choice' end
if redis.call('HSETNX', KEYS[4], n .. ':' .. ARGV[5], ARGV[6]) == 0 then return 'already' end
redis.call('HINCRBY', KEYS[5], n .. '\\31' .. ARGV[6], 1)
keep(false)
return 'ok'
"""
_REVEAL = """
local closed, students, q = live()
if not closed then return 'unknown' end
if closed == '1' then return 'closed' end
local n = tonumber(ARGV[4])
if n ~= q or n < 1 then return 'not_open' end
if redis.call('HGET', KEYS[3], n .. ':revealed') then return 'revealed' end
redis.call('HSET', KEYS[3], n .. ':revealed', ARGV[1], n .. ':students', students)
keep(true)
return 'ok'
"""
_CLOSE = """
local closed = live()
if not closed then return 'unknown' end
if closed == '1' then return 'closed' end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('HSET', KEYS[1], 'closed', '1', 'teacher', '', 'lesson', '', 'students', 0, 'question', 0,
           'touched', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('EXPIRE', KEYS[1], math.ceil(ttl))
redis.call('ZREM', KEYS[6], code)
return 'ok'
"""
_TALLY = """
local n = ARGV[1]
local choices = redis.call('HGET', KEYS[3], n .. ':choices')
local students = redis.call('HGET', KEYS[1], 'students') or '0'
if not choices then return {students} end
local out = {students}
for choice in string.gmatch(choices, '[^\\31]+') do
  table.insert(out, choice)
  table.insert(out, redis.call('HGET', KEYS[5], n .. '\\31' .. choice) or '0')
end
return out
"""


class RedisStore(Store):
    """Rooms in the Redis database at ``url``, under keys starting with ``prefix``."""

    def __init__(self, url: str, prefix: str = "ce:", ttl: float = store.ROOM_TTL):
        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5)
        self.prefix, self.ttl = prefix, ttl
        self._scripts = {name: self.client.register_script(_PRELUDE + body) for name, body in (
            ("create", _CREATE), ("join", _JOIN), ("set_lesson", _SET_LESSON), ("open", _OPEN),
            ("answer", _ANSWER), ("reveal", _REVEAL), ("close", _CLOSE))}  # fmt: skip
        self._tally = self.client.register_script(_TALLY)

    def ping(self) -> None:
        self.client.ping()

    def _keys(self, code: str) -> list[str]:
        base = f"{self.prefix}room:{{{code}}}"  # {code}: the hash tag keeps a room's keys on one cluster slot
        return [base, base + ":students", base + ":questions", base + ":answers", base + ":counts",
                self.prefix + "rooms"]  # fmt: skip

    def _run(self, name: str, code: str, now: float, *args):
        return self._scripts[name](keys=self._keys(code), args=[repr(float(now)), self.ttl, code, *args])

    # -----------------------------------------------------------------------------------------------------------
    def create_room(self, code, teacher_hash, lesson, now, max_rooms):
        return self._run("create", code, now, teacher_hash, lesson, max_rooms)

    def room(self, code, now):
        fields = self.client.hgetall(self._keys(code)[0])
        if not fields or float(fields["touched"]) < now - self.ttl:
            return None
        return Room(code, fields["teacher"], fields["lesson"], float(fields["created"]), float(fields["touched"]),
                    fields["closed"] == "1", int(fields["version"]), int(fields["students"]),
                    int(fields["question"]))  # fmt: skip

    def version(self, code, now):
        version, touched = self.client.hmget(self._keys(code)[0], "version", "touched")
        return int(version) if version is not None and float(touched) >= now - self.ttl else None

    def join(self, code, student, now, max_students):
        return self._run("join", code, now, student, max_students)

    def set_lesson(self, code, lesson, now):
        return self._run("set_lesson", code, now, lesson)

    def open_question(self, code, payload, answer, choices, now, max_questions):
        status, number = self._run("open", code, now, payload, answer, _SEP.join(choices), max_questions)
        return status, int(number)

    def question(self, code, number):
        names = ("payload", "answer", "choices", "opened", "revealed", "students")
        values = self.client.hmget(self._keys(code)[2], [f"{number}:{name}" for name in names])
        return _record(number, dict(zip(names, values, strict=True)))

    def answer(self, code, number, student, choice, now):
        return self._run("answer", code, now, int(number), student, choice)

    def my_answer(self, code, number, student):
        return self.client.hget(self._keys(code)[3], f"{number}:{student}")

    def reveal(self, code, number, now):
        return self._run("reveal", code, now, int(number))

    def tally(self, code, number):
        out = self._tally(keys=self._keys(code), args=[int(number)])
        counts = {choice: int(count) for choice, count in zip(out[1::2], out[2::2], strict=True) if int(count)}
        return Tally(counts, sum(counts.values()), int(out[0]))

    def questions(self, code):
        keys = self._keys(code)
        with self.client.pipeline(transaction=True) as pipe:
            fields, counts = pipe.hgetall(keys[2]).hgetall(keys[4]).execute()
        splits: dict[int, dict] = {}
        for key, count in counts.items():
            number, choice = key.split(_SEP, 1)
            splits.setdefault(int(number), {})[choice] = int(count)
        numbers = sorted({int(key.split(":", 1)[0]) for key in fields})
        records = []
        for number in numbers:
            names = ("payload", "answer", "choices", "opened", "revealed", "students")
            records.append((_record(number, {name: fields.get(f"{number}:{name}") for name in names}),
                            splits.get(number, {})))  # fmt: skip
        return records

    def close(self, code, now):
        return self._run("close", code, now)

    def _hits_name(self, key: str, window: float, now: float) -> str:
        return f"{self.prefix}hits:{key}:{window:g}:{int(now // window)}"

    def hit(self, key, window, now):
        name = self._hits_name(key, window, now)
        with self.client.pipeline(transaction=True) as pipe:
            count, _ = pipe.incr(name).expire(name, math.ceil(2 * window)).execute()
        return int(count)

    def hits(self, key, window, now):
        return int(self.client.get(self._hits_name(key, window, now)) or 0)

    def purge(self, now):
        # The keys expire by themselves; only the count of open rooms needs sweeping.
        return int(self.client.zremrangebyscore(self.prefix + "rooms", "-inf", f"({now - self.ttl!r}"))


def _record(number: int, values: dict) -> QuestionRecord | None:
    if values.get("payload") is None:
        return None
    revealed = values["revealed"]
    return QuestionRecord(int(number), values["payload"], values["answer"], tuple(values["choices"].split(_SEP)),
                          float(values["opened"]), float(revealed) if revealed is not None else None,
                          int(values["students"] or 0))  # fmt: skip
