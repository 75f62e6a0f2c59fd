"""A class poll under load, without browsers: one teacher and 60 students on two replicas behind nginx.

    python -m bench.load --class                        # 60 students, 4 questions, deploy/local_cluster.sh 2, SQLite
    python -m bench.load --class --store redis          # the same on the cluster's own redis-server
    python -m bench.load --class --students 30 --rounds 2 --no-restart

Starts ``deploy/local_cluster.sh 2`` (replicas pinned to cores 0 and 1, nginx with cookie affinity) with a fresh
class store (``CE_DATA_DIR``: a new temp dir; ``--store redis``: the cluster's own redis-server). Every client is a
headless tab (``bench.headless.Tab``: Streamlit's websocket protocol, each with its own cookie jar and its own
loopback address 127.0.0.N, so nginx forwards a different address for each, as for a class on one network) and
behaves as the page does:

- the teacher opens the lesson with ``teach=1``; its page's tally fragment reruns every second on the browser's
  timer; it presses Ask (the lesson's question first, then other kinds until one is not skipped) and Reveal;
- each student opens the student link; its poll fragment reruns every second on the browser's timer (one small
  read of the room's version, nothing more while it is unchanged); it answers a new question after a think time
  (0.5 to 5 s, drawn per student and question) by pressing a button in that fragment, as a tap does; after a
  lost connection it reconnects as the page does (health check, websocket, a full run of its own address, which
  holds its room and its student id) and answers if its answer had not counted.

The class: students arrive over ``--stagger`` seconds, sit idle in the room for ``--idle`` seconds (the replicas'
CPU then, per student, is the cost of an idle student), then ``--rounds`` questions. In the last round (unless
``--no-restart``) the replica without the teacher is restarted with ``deploy/restart_replica.sh`` right after the
question reached every student, before most have answered.

Figures: Ask to each student's first sight of the question (budget p95 <= 2 s); the last answer stored to the
teacher's tally showing every answer (budget p95 <= 1 s, over the rounds); Reveal to each student's outcome; the
store's operations timed by a probe in this process on the same store while the class runs (a student's version
read, the teacher's tally, an answer and a join in a room of the probe's own; budget p95 < 10 ms); the replicas'
CPU per idle student (budget <= 0.5% of a core); and, from the store at the end, every question's number of
answers and the room's students: every student answered every question once, the restart included, and no page
that reconnected was counted twice. Exit status 1 if a budget is missed.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import numpy as np
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed

from bench.headless import BenchError, Tab, widget_key
from ce_app import questions
from ce_app.classroom import rooms
from ce_app.classroom.backends import DB_FILE, open_store
from ce_app.classroom.rooms import Classroom, Posed

LINK = "lesson=linear"  # the teacher's lesson: its own question is due at step 0
# What the teacher asks, in this order until one is not skipped: the lesson's question (the picker's first option,
# whatever its label says), then these kinds.
KINDS = tuple(questions.TITLES[kind] for kind in ("loss_below", "point_correct", "largest_move", "p_y_direction",
                                                  "loss_trend"))  # fmt: skip
THINK_S = (0.5, 5.0)  # a student's think time before answering, drawn per question
RESTART_THINK_S = (3.0, 8.0)  # in the restart round: most answers come while the replica is down
BUDGET_SEEN_S = 2.0
BUDGET_TALLY_S = 1.0
BUDGET_STORE_MS = 10.0
BUDGET_IDLE_PCT = 0.5
TIMEOUT_S = 60.0
ANSWERED = re.compile(r"question (\d+), (?:revealed · )?\**(\d+) of (\d+) answered")
OUTCOMES = ("Right:", "Not this time", "You did not answer")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Round:
    """One question as the bench runs it: what the teacher did when, and what each student saw when."""

    number: int
    asked_at: float = 0.0  # the teacher pressed Ask (the trigger was sent)
    revealed_at: float = 0.0
    seen: dict = field(default_factory=dict)  # student index -> seconds from Ask to the question on their page
    sent: dict = field(default_factory=dict)  # student index -> when they last sent their answer (a tap)
    acked: dict = field(default_factory=dict)  # student index -> time their answer was on their page as stored
    outcome: dict = field(default_factory=dict)  # student index -> seconds from Reveal to their outcome
    tally: list = field(default_factory=list)  # (time, answered, students) as the teacher's page showed them
    restart: str = ""  # the replica restarted in this round


@dataclass
class ClassTab(Tab):
    """A tab that keeps every element drawn and answers the page's fragment timers as the browser does."""

    elements: list = field(default_factory=list)
    next_poll: dict = field(default_factory=dict)  # fragment id -> when its timer fires next

    def pump(self, timeout: float):
        """Receive for at most ``timeout`` seconds; send the fragment reruns whose timer is due. The message, or None."""
        now = time.monotonic()
        for fragment_id, interval in list(self.auto_reruns.items()):
            due = self.next_poll.setdefault(fragment_id, now + interval)
            if now >= due:
                self.rerun(fragment_id, auto=True)
                self.next_poll[fragment_id] = due + interval if due + interval > now else now + interval
        wait = min([timeout, *(due - now for due in self.next_poll.values())])
        msg, _ = self.receive(max(wait, 0.0))
        return msg

    def take(self) -> list:
        """The elements drawn since the last call."""
        taken, self.elements = self.elements, []
        return taken

    def reconnect(self) -> None:
        """What the page does when its websocket closes: check health, open a new one, run its address in full."""
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            self.close()
            try:
                self.open()
                self.next_poll.clear()
                self.rerun()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


class Teacher:
    def __init__(self, url: str, source: str, shared):
        self.tab = ClassTab(url, LINK + "&teach=1", source_address=source)
        self.shared = shared
        self.ids: dict[str, str] = {}
        self.code = self.key = ""
        self.finished = 0  # script runs finished (full and fragment)
        self.head = ""
        self.options: list[str] = []  # the question picker's options as drawn last
        self.problems: list[str] = []

    def _note(self) -> None:
        for kind, el, _, at in self.tab.take():
            if kind in ("button", "selectbox") and el.id:
                self.ids[widget_key(el.id)] = el.id
            if kind == "selectbox" and widget_key(el.id) == "class_kind":
                self.options = list(el.options)
            if kind == "markdown" and "Class " in el.body:
                self.head = el.body
                found = ANSWERED.search(el.body)
                current = self.shared.round
                if found and current is not None and int(found[1]) == current.number:
                    current.tally.append((at, int(found[2]), int(found[3])))

    def _step(self, timeout: float = 0.25):
        msg = self.tab.pump(timeout)
        self._note()
        if msg is not None and msg.WhichOneof("type") == "script_finished":
            self.finished += 1
        return msg

    def _run(self, trigger: str) -> None:
        """A full run with a button pressed (Ask, Reveal), until it finished."""
        finished = self.finished
        self.tab.rerun(trigger=self.ids[trigger])
        deadline = time.monotonic() + TIMEOUT_S
        while self.finished == finished:
            if time.monotonic() > deadline:
                raise BenchError(f"the teacher's {trigger} did not finish")
            self._step()

    def open(self) -> None:
        self.tab.open()
        self.tab.rerun()
        deadline = time.monotonic() + TIMEOUT_S
        while "class_ask" not in self.ids or "room=" not in self.tab.query:
            if time.monotonic() > deadline:
                raise BenchError(f"the teacher's page did not open a room: {self.tab.problems[:1]}")
            self._step()
        query = dict(parse_qsl(self.tab.query))
        self.code, self.key = query["room"], query["teacher"]

    def ask(self, number: int) -> None:
        """Press Ask with the first kind that is not skipped; the round's Ask time is the first press."""
        for label in (self.options[0], *KINDS):
            picker = self.ids["class_kind"]
            self.tab.widgets[picker] = WidgetState(id=picker, string_value=label)  # the option picked
            if not self.shared.round.asked_at:
                self.shared.round.asked_at = time.monotonic()
            self._run("class_ask")
            if f"question {number}," in self.head:
                return
        raise BenchError(f"no question could be asked for round {number}: {self.head}")

    def reveal(self) -> None:
        self.shared.round.revealed_at = time.monotonic()
        self._run("class_reveal")

    def run(self) -> None:
        """Keep the page's timers going, and do what the bench asks (ask N, reveal, stop)."""
        try:
            while not self.shared.stop.is_set():
                command = self.shared.take_command()
                if command == "reveal":
                    self.reveal()
                elif command is not None:
                    self.ask(command)
                self._step(0.1)
        except Exception as error:  # the bench's main thread reports it when it waits in vain
            self.problems.append(f"teacher: {type(error).__name__}: {error}")
        finally:
            self.tab.close()


class Student:
    def __init__(self, index: int, url: str, path: str, source: str, shared, seed: int):
        self.index = index
        self.tab = ClassTab(url, path, source_address=source)
        self.shared = shared
        self.random = random.Random(seed)
        self.answered: set[int] = set()
        self.sent: dict[int, float] = {}  # question -> when the answer was sent
        self.due: dict[int, float] = {}  # question -> when to answer
        self.buttons: dict[int, dict[str, object]] = {}  # question -> choice -> button element (the last drawn)
        self.fragment = ""
        self.reconnects = 0
        self.joined_on = ""  # the replica nginx gave this student first (its cookie)
        self.problems: list[str] = []

    def _note(self) -> None:
        rnd = self.shared.round
        for kind, el, fragment_id, at in self.tab.take():
            if kind == "button" and "class_answer_" in el.id:
                number, choice = widget_key(el.id).removeprefix("class_answer_").split("_")
                number = int(number)
                self.buttons.setdefault(number, {})[choice] = el
                self.fragment = fragment_id
                if rnd is not None and number == rnd.number:
                    rnd.seen.setdefault(self.index, at - rnd.asked_at)
                    think = RESTART_THINK_S if rnd.restart else THINK_S
                    self.due.setdefault(number, at + self.random.uniform(*think))
                if el.disabled and number not in self.answered:  # the page shows an answer as stored
                    self.answered.add(number)
                    if rnd is not None and number == rnd.number:
                        rnd.acked[self.index] = at
            elif kind == "alert" and rnd is not None and rnd.revealed_at and el.body.startswith(OUTCOMES):
                rnd.outcome.setdefault(self.index, at - rnd.revealed_at)

    def _answer(self, number: int) -> None:
        choices = self.buttons[number]
        choice = self.random.choice(sorted(choices))
        self.sent[number] = time.monotonic()
        if self.shared.round is not None and self.shared.round.number == number:
            self.shared.round.sent[self.index] = self.sent[number]
        self.tab.rerun(self.fragment, trigger=choices[choice].id)

    def run(self) -> None:
        try:
            self.tab.open()
            self.joined_on = self.tab.cookies.get("ce_replica", "?")
            self.tab.rerun()
            while not self.shared.stop.is_set():
                try:
                    self.tab.pump(0.2)
                    self._note()
                    now = time.monotonic()
                    for number, due in self.due.items():
                        resend = number in self.sent and now - self.sent[number] > 5.0  # sent into a dying replica
                        if number not in self.answered and now >= due and (number not in self.sent or resend):
                            self._answer(number)
                except (BenchError, ConnectionClosed, OSError):  # the websocket closed: a replica restarted
                    self.reconnects += 1
                    self.tab.reconnect()
        except Exception as error:  # recorded, the others go on
            self.problems.append(f"{type(error).__name__}: {error}")
        finally:
            self.tab.close()


class Shared:
    """What the bench's threads share: the round in progress, the teacher's commands, the stop signal."""

    def __init__(self):
        self.round: Round | None = None
        self.stop = threading.Event()
        self._commands: list = []
        self._lock = threading.Lock()

    def command(self, value) -> None:
        with self._lock:
            self._commands.append(value)

    def take_command(self):
        with self._lock:
            return self._commands.pop(0) if self._commands else None


# ---------------------------------------------------------------------------------------------------------------
# The store probe
# ---------------------------------------------------------------------------------------------------------------
class Probe(threading.Thread):
    """Times the store's operations from this process, on the store the replicas use, while the class runs."""

    def __init__(self, store_url: str, code: str):
        super().__init__(daemon=True)
        self.classroom = Classroom(open_store(store_url))
        self.code, self.times = code, {"version": [], "tally": [], "answer": [], "join": []}
        self.stop = threading.Event()

    def _time(self, name: str, call, *args) -> None:
        started = time.perf_counter()
        call(*args)
        self.times[name].append(1000 * (time.perf_counter() - started))

    def run(self) -> None:
        own = self.classroom.start("lesson=linear")  # a room of the probe's own for its writes
        choices = (("a", "A"), ("b", "B"))
        self.classroom.ask(own.code, own.teacher_key, Posed("loss_trend", "probe", choices, "a"))
        i = 0
        while not self.stop.wait(0.1):
            i += 1
            self._time("version", self.classroom.version, self.code)
            if i % 5 == 0:
                self._time("tally", self.classroom.store.tally, self.code, 1)
                student = f"probe-{i:08d}-{'x' * 8}"
                self._time("join", self.classroom.join, own.code, student)
                self._time("answer", self.classroom.answer, own.code, student, 1, "a")


# ---------------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------------
def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def _restart(server, replica: str) -> None:
    port = server.url.rsplit(":", 1)[1]
    subprocess.run(["bash", str(_repo() / "deploy" / "restart_replica.sh"), replica[1:], "--port", port],
                   check=True, capture_output=True, timeout=120)  # fmt: skip


def _repo():
    from tests.e2e.server import REPO_ROOT

    return REPO_ROOT


def run(args):
    from bench import load

    data_dir = tempfile.mkdtemp(prefix="ce-class-bench-")
    options = ("--store", args.store) if args.store else ()
    _log(f"starting deploy/local_cluster.sh 2 {' '.join(options)} (class store in {data_dir} unless Redis)")
    server = load.start_cluster(2, options, {"CE_DATA_DIR": data_dir})
    cluster_dir = load._cluster_dir(int(server.url.rsplit(":", 1)[1]), server.process.pid)
    store_url = (
        (cluster_dir / "store").read_text().strip() if args.store == "redis" else f"sqlite:///{data_dir}/{DB_FILE}"
    )
    sampler = load.Sampler(server.groups)
    sampler.start()
    shared, rounds, students, marks = Shared(), [], [], {}
    probe = teacher = None
    failure = ""
    try:
        load._warm_up(server, LINK)
        teacher = Teacher(server.url, "127.0.0.2", shared)
        teacher.open()
        _log(f"teacher on {teacher.tab.cookies.get('ce_replica')}: room {rooms.display_code(teacher.code)}")
        threads = [threading.Thread(target=teacher.run, daemon=True, name="teacher")]
        threads[0].start()
        probe = Probe(store_url, teacher.code)
        probe.start()
        marks["empty"] = time.monotonic()
        time.sleep(args.idle / 2)  # the replicas with the teacher alone: what the students add is measured from here
        marks["empty_end"] = time.monotonic()
        path = f"{LINK}&room={teacher.code}"
        for i in range(args.students):
            student = Student(i, server.url, path, f"127.0.0.{10 + i}", shared, seed=i)
            students.append(student)
            threads.append(threading.Thread(target=student.run, daemon=True, name=f"student-{i}"))
            threads[-1].start()
            time.sleep(args.stagger / max(args.students, 1))
        _wait(lambda: "in the room" in teacher.head and f"· {args.students} students" in teacher.head, TIMEOUT_S,
              f"{args.students} students in the room ({teacher.head})")  # fmt: skip
        marks["idle"] = time.monotonic()
        _log(f"{args.students} students in the room; idle for {args.idle:g} s")
        time.sleep(args.idle)
        marks["idle_end"] = time.monotonic()
        for number in range(1, args.rounds + 1):
            restart = args.restart and number == args.rounds
            other = "r1" if teacher.tab.cookies.get("ce_replica") == "r0" else "r0"
            shared.round = Round(number, restart=other if restart else "")
            rounds.append(shared.round)
            shared.command(number)
            _wait(lambda: len(shared.round.seen) == args.students, TIMEOUT_S, f"every student seeing question {number}")
            if restart:
                _log(f"question {number}: seen by all; restarting replica {other[1:]} (the teacher is not on it)")
                _restart(server, other)
            _wait(lambda: len(shared.round.acked) == args.students, 2 * TIMEOUT_S, f"every answer to question {number}")
            last = max(shared.round.sent.values())
            _wait(lambda last=last: any(t >= last and n == args.students for t, n, _ in shared.round.tally), TIMEOUT_S,
                  "the teacher's tally counting every answer")  # fmt: skip
            shared.command("reveal")
            _wait(lambda: len(shared.round.outcome) == args.students, TIMEOUT_S, f"every outcome of question {number}")
            _log(f"question {number} done")
            time.sleep(1.0)
        marks["done"] = time.monotonic()
    except BenchError as error:
        failure = str(error)
        _log(f"FAILED: {failure}")
    finally:
        shared.stop.set()
        for thread in locals().get("threads", []):
            thread.join(timeout=10)
        if probe is not None:
            probe.stop.set()
        sampler.stop()
        log = server.log()
        history = _history(store_url, teacher) if teacher is not None and teacher.code else None
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return report(args, server, sampler, marks, rounds, students, teacher, probe, history, log, failure)


def _history(store_url: str, teacher: Teacher):
    classroom = Classroom(open_store(store_url))
    return classroom.history(teacher.code, teacher.key), classroom.store.room(teacher.code, time.time())


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------
def _pct(values, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(args, server, sampler, marks, rounds, students, teacher, probe, history, log, failure="") -> bool:
    from bench import load
    from bench.core import cpu_model

    n = args.students
    print()
    print("Cross-Entropy Playground: a class poll under load (python -m bench.load --class)")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print(f"server: {server.description}; class store: {args.store or 'sqlite'}")
    print(f"class: 1 teacher and {n} students (each from its own address 127.0.0.N), {len(rounds)} questions")
    first = Counter(student.joined_on for student in students)
    last = Counter(student.tab.cookies.get("ce_replica", "?") for student in students)
    print(f"students per replica (cookie): {dict(sorted(first.items()))} when they joined, {dict(sorted(last.items()))} "
          f"at the end; reconnects: {sum(s.reconnects for s in students)}")  # fmt: skip
    seen = [s for r in rounds for s in r.seen.values()]
    outcome = [s for r in rounds for s in r.outcome.values()]
    tally = []
    for r in rounds:
        last = max(r.sent.values(), default=float("nan"))
        reached = [t for t, answered, _ in r.tally if answered == n and t >= last]
        tally.append(min(reached) - last if reached else float("nan"))
        print(
            f"  question {r.number}{' (replica ' + r.restart[1:] + ' restarted)' if r.restart else ''}: seen "
            f"p50 {_pct(list(r.seen.values()), 50):.2f} s, p95 {_pct(list(r.seen.values()), 95):.2f} s, max "
            f"{max(r.seen.values(), default=float('nan')):.2f} s; last answer {last - r.asked_at:.1f} s after Ask; "
            f"tally {n}/{n} {tally[-1]:.2f} s after it; outcome p95 {_pct(list(r.outcome.values()), 95):.2f} s"
        )
    print(f"Ask -> question on every student's page: p50 {_pct(seen, 50):.2f} s, p95 {_pct(seen, 95):.2f} s, max "
          f"{max(seen, default=float('nan')):.2f} s over {len(seen)} sightings")  # fmt: skip
    print(
        f"last answer sent -> teacher's tally {n}/{n}: {', '.join(f'{t:.2f}' for t in tally)} s (p95 {_pct(tally, 95):.2f})"
    )
    print(f"Reveal -> outcome on every student's page: p50 {_pct(outcome, 50):.2f} s, p95 {_pct(outcome, 95):.2f} s")
    store_p95 = {}
    for name, values in probe.times.items() if probe else ():
        store_p95[name] = _pct(values, 95)
        print(f"store {name}: median {_pct(values, 50):.2f} ms, p95 {store_p95[name]:.2f} ms, max "
              f"{max(values, default=float('nan')):.1f} ms ({len(values)} timed by the probe)")  # fmt: skip
    idle = empty = 0.0
    for group in server.server_groups():
        pct = sampler.cpu_pct(group, marks.get("idle", 0), marks.get("idle_end", 0))
        alone = sampler.cpu_pct(group, marks.get("empty", 0), marks.get("empty_end", 0))
        idle, empty = idle + pct, empty + alone
        print(f"  {group}: {pct:.1f}% of a core while the class sat idle ({alone:.1f}% with the teacher alone)")
    per_student = (idle - empty) / n
    print(f"idle class: {idle:.1f}% of a core with {n} students, {empty:.1f}% with the teacher alone: "
          f"{per_student:.3f}% per idle student ({idle / n:.3f}% counting everything)")  # fmt: skip
    lost = []
    if history is not None:
        views, room = history
        for view in views:
            if view.answered != n:
                lost.append(f"question {view.number}: {view.answered} answers stored of {n}")
        if room is None or room.students != n:
            lost.append(f"the room counts {room.students if room else '?'} students, not {n}")
    problems = [p for s in students for p in s.problems] + (teacher.problems if teacher else [])
    problems += [failure] if failure else []
    for r in rounds:
        missing = sorted(set(range(n)) - set(r.acked))
        if missing:
            problems.append(f"question {r.number}: no answer shown as stored for students {missing[:10]} "
                            f"(their reconnects: {[students[i].reconnects for i in missing[:10]]})")  # fmt: skip
    errors = [line for line in log.splitlines() if load.LOG_ERROR.search(line)]
    print(f"answers stored: {[v.answered for v in history[0]] if history else '?'} of {n} per question; problems: "
          f"{len(problems)}; error lines in the replicas' logs: {len(errors)}")  # fmt: skip
    for line in (lost + problems + errors)[:5]:
        print(f"  {line[:200]}")
    budgets = [
        (_pct(seen, 95) <= BUDGET_SEEN_S, f"every student sees the question within {BUDGET_SEEN_S:g} s of Ask, p95 "
                                          f"({_pct(seen, 95):.2f} s)"),
        (_pct(tally, 95) <= BUDGET_TALLY_S, f"the tally reaches {n}/{n} within {BUDGET_TALLY_S:g} s of the last "
                                            f"answer, p95 ({_pct(tally, 95):.2f} s)"),
        (all(v < BUDGET_STORE_MS for v in store_p95.values()), f"store operations p95 < {BUDGET_STORE_MS:g} ms "
                                                               f"(worst {max(store_p95.values(), default=0):.2f} ms)"),
        (per_student <= BUDGET_IDLE_PCT, f"an idle student costs <= {BUDGET_IDLE_PCT:g}% of a core "
                                         f"({per_student:.3f}%)"),
        (not lost and not problems, "no answer lost, no student counted twice"
                                    + (", a replica restarted mid-question" if args.restart else "")),
    ]  # fmt: skip
    print("budgets:")
    for ok, text in budgets:
        print(f"  {_verdict(ok)}  {text}")
    return all(ok for ok, _ in budgets)
