"""A full class at once, without browsers: many simulated students auto-running the training page on one server.

    python -m bench.load                        # 30 sessions, 60 s of auto-run each at fps=10, spf=5, one core
    python -m bench.load --quick                # 5 sessions, 15 s
    python -m bench.load --sessions 40 --seconds 120 --fps 10 --spf 5
    python -m bench.load --via-proxy --sessions 60   # deploy/local_cluster.sh 2: two replicas behind nginx
    python -m bench.load --via-proxy --sessions 60 --even   # the same, 30 per replica instead of a random split
    python -m bench.load --url http://127.0.0.1:8080 # a server (or cluster) that is already running
    python -m bench.load --class                     # a class poll: 1 teacher, 60 students, 2 replicas (bench.class_load)

Starts ``streamlit run app.py`` on a free localhost port, pinned to core 0 with ``taskset -c 0`` (``--no-pin``:
not pinned), and moves this bench to the other cores, so the server has its core to itself. Each student is a
thread running ``bench.headless.Student``: a websocket client that speaks Streamlit's protocol as the page does
(``/_stcore/stream``, BackMsg / ForwardMsg protobufs, every widget's value echoed with each rerun) and plays the
player's frames on its own clock, as ``player_frontend/stage.js`` does. Students open the link one after another
over ``--stagger`` seconds (a class opening a link), press Play once the page has loaded, play for ``--seconds``,
press Pause, check that Pause stopped on the frame shown, and finally make one full rerun (as touching the
sidebar does) to check that it keeps the step and every setting of the link. A thread reads the server's CPU
time (utime + stime) and resident memory (VmRSS) from ``/proc`` every second, and this bench's own CPU.

Figures, per session and in total: training steps per second shown against those asked for (fps x spf); chunk
lateness, the time a chunk arrived minus the time the player needed its first frame (negative: it came early, by
that much; chunk 0 answers Play and is reported as its latency instead); the server's CPU while every session
plays, per session; server memory after one warm-up visit (the app imported) and at its peak; and errors:
exceptions and error alerts on the page, lost websockets, a new session id, a new player (state lost), a step
that went back, a Pause or full rerun that moved the step, and error lines in the server's log.

``--via-proxy`` starts ``deploy/local_cluster.sh 2`` (replicas pinned to cores 0 and 1, nginx with cookie
affinity ``ce_replica``) and connects every student through nginx with its own cookie jar: one GET of the page
first, whose ``Set-Cookie: ce_replica=rK`` it sends back with every request and on the websocket. The report
shows how the sessions spread over the replicas (the cookie, and nginx's ``X-Upstream`` header) and checks that
none lost its state. nginx picks a new browser's replica at random, so 60 students rarely split 30/30;
``--even`` hands them cookies r0, r1, r0, ... first (as returning browsers carry), to measure what the replicas
hold apart from that luck. ``--url`` reads CPU and memory of the ``--server-pids`` given, else of every
``streamlit run`` process ``pgrep`` finds (when the URL is on this machine; test servers count too).

What a student does not do: fetch the page's static files (a browser caches them), draw anything, or check XSRF
(the app has no login; the frontend then offers a placeholder token, and so does this client).

Budgets (the project's issue): at least 30 sessions auto-running at fps=10, spf=5 on one core, with every
session getting >= 95% of the steps it asked for, p95 chunk lateness <= 0 ms (no stall), no errors, server RSS
growth <= 5 MiB per session; and one session at fps=10 costing <= 3% of a core. The exit status is 1 if a budget
is missed. Not part of CI: the figures depend on whatever else the machine is doing (the load average and the
CPU of other processes are printed), and with --via-proxy on a 2-core machine the students and nginx share the
replicas' cores.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import streamlit

from bench.core import cpu_model
from bench.headless import Record, Student, Tab
from tests.e2e.server import REPO_ROOT, app_command, free_port, healthy

DEFAULT_QUERY = "dataset=spiral&K=4&n=500&layers=1&width=32"  # the budget setting of bench.frame
BUDGET_SESSIONS_PER_CORE = 30
BUDGET_FPS, BUDGET_SPF = 10, 5
BUDGET_STEP_SHARE = 0.95  # of the steps asked for, in every session
BUDGET_P95_LATENESS_S = 0.0
BUDGET_RSS_MIB_PER_SESSION = 5.0
BUDGET_CPU_PCT_PER_SESSION = 3.0  # of one core, at fps=10
HEALTH_TIMEOUT_S = 90.0
SAMPLE_S = 1.0
SETTLE_S = 2.0  # the idle server after the warm-up visit, before 'before' memory
SHOW_PROBLEMS = 5
BUSY_OTHERS_PCT = 10.0  # other processes' CPU (% of a core) above which the report warns that cores were shared
CLUSTER_REPLICAS = 2
LOG_ERROR = re.compile(r"Traceback|Error|Exception")


# ---------------------------------------------------------------------------------------------------------------
# /proc


def _stat_fields(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks; 0 if it has gone."""
    try:
        fields = _stat_fields(f"/proc/{pid}/stat")
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5): the name's ')' ends field 2


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot, from the first line of /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as f:
        values = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    return sum(values) - values[3] - values[4], sum(values)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a server's workers, should it start any)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(_stat_fields(f"/proc/{entry}/stat")[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


@dataclass
class Reading:
    t: float  # time.monotonic()
    ticks: dict[str, int]  # per group of server processes ("server", "replica 0", "nginx", ...)
    rss_kib: dict[str, int]
    bench_ticks: int  # this process, every thread (the students), not its children
    machine: tuple[int, int]


class Sampler(threading.Thread):
    """Reads the servers' CPU time and memory every second, so any window of the run can be measured afterwards.

    ``groups`` maps a name to a function returning that group's pids, called on every reading (a replica that
    restarts gets a new pid).
    """

    def __init__(self, groups: dict[str, object]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.readings: list[Reading] = []
        self._stop_event = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> Reading:
        pids = {name: pids_of() for name, pids_of in self.groups.items()}
        return Reading(
            time.monotonic(),
            {name: sum(cpu_ticks(p) for p in group) for name, group in pids.items()},
            {name: sum(rss_kib(p) for p in group) for name, group in pids.items()},
            cpu_ticks(os.getpid()),
            machine_ticks(),
        )

    def run(self) -> None:
        self.readings.append(self.read())
        while not self._stop_event.wait(SAMPLE_S):
            self.readings.append(self.read())

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
        self.readings.append(self.read())

    def _pair(self, t1: float, t2: float) -> tuple[Reading, Reading] | None:
        inside = [r for r in self.readings if t1 <= r.t <= t2]
        return (inside[0], inside[-1]) if len(inside) >= 2 and inside[-1].t > inside[0].t else None

    def cpu_pct(self, group: str, t1: float, t2: float) -> float:
        """A group's CPU between two times, % of one core (nan if fewer than two readings fall between)."""
        pair = self._pair(t1, t2)
        if pair is None:
            return float("nan")
        a, b = pair
        return 100 * (b.ticks[group] - a.ticks[group]) / self.tick / (b.t - a.t)

    def bench_pct(self, t1: float, t2: float) -> float:
        pair = self._pair(t1, t2)
        return (
            float("nan")
            if pair is None
            else 100 * (pair[1].bench_ticks - pair[0].bench_ticks) / self.tick / (pair[1].t - pair[0].t)
        )

    def machine_pct(self, t1: float, t2: float) -> float:
        """The whole machine, % of all its cores."""
        pair = self._pair(t1, t2)
        if pair is None:
            return float("nan")
        (busy1, total1), (busy2, total2) = pair[0].machine, pair[1].machine
        return 100 * (busy2 - busy1) / max(total2 - total1, 1)

    def rss_mib(self, group: str, t1: float = -np.inf, t2: float = np.inf, peak: bool = False) -> float:
        """A group's memory: the last reading before ``t2`` (or the peak between ``t1`` and ``t2``)."""
        inside = [r.rss_kib[group] for r in self.readings if t1 <= r.t <= t2]
        if not inside:
            return float("nan")
        return (max(inside) if peak else inside[-1]) / 1024


# ---------------------------------------------------------------------------------------------------------------
# Servers


def _wait_healthy(url: str, process: subprocess.Popen | None, log: Path | None, what: str) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while not healthy(url):
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"{what} exited with code {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer {url}/_stcore/health within {HEALTH_TIMEOUT_S:.0f} s")
        time.sleep(0.25)


def _stop_process(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the process we started (by its pid); SIGKILL it if it is still there after ``grace`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)


def can_pin() -> bool:
    return shutil.which("taskset") is not None and 0 in os.sched_getaffinity(0)


@dataclass
class Server:
    """What the bench measures: where students connect, the processes to read, the logs to scan."""

    url: str  # http://host:port, no trailing slash
    groups: dict[str, object]  # name -> function returning that group's pids
    description: str  # how it was started, for the report
    warm_urls: list[str] = field(default_factory=list)  # each replica's own URL, to warm every one up
    process: subprocess.Popen | None = None
    log_paths: list[Path] = field(default_factory=list)
    proxied: bool = False  # students go through nginx and are spread over replicas
    server_cores: int = 1  # cores given to the app's processes

    def server_groups(self) -> list[str]:
        return [name for name in self.groups if name != "nginx"]

    def log(self) -> str:
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in self.log_paths if p.exists())

    def stop(self) -> None:
        """Stop what the bench started and remove the log files it made (a cluster removes its own dir)."""
        if self.process is not None:
            _stop_process(self.process)
            for path in self.log_paths[:1]:
                path.unlink(missing_ok=True)


def start_single(pin: bool) -> Server:
    """``streamlit run app.py`` as tests/e2e/server.py starts it, pinned to core 0 when asked and possible."""
    port = free_port()
    log = Path(tempfile.NamedTemporaryFile(prefix="ce-load-", suffix=".log", delete=False).name)  # noqa: SIM115
    command = app_command(port)
    pinned = pin and can_pin()
    if pinned:
        command = ["taskset", "-c", "0", *command]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    url = f"http://127.0.0.1:{port}"
    server = Server(url, {"server": lambda: descendants(process.pid)}, "", [url], process, [log])
    server.description = f"one streamlit run app.py, pid {process.pid}, " + (
        "pinned to core 0 (taskset -c 0)" if pinned else "not pinned"
    )
    try:
        _wait_healthy(url, process, log, "streamlit")
    except Exception:
        server.stop()
        raise
    return server


def _cluster_dir(port: int, pid: int) -> Path | None:
    """The temp dir of the local_cluster.sh with this pid (it writes its pid to supervisor.pid there)."""
    for d in glob.glob(os.path.join(tempfile.gettempdir(), f"ce-cluster-{port}.*")):
        try:
            if int(Path(d, "supervisor.pid").read_text().strip()) == pid:
                return Path(d)
        except (OSError, ValueError):
            continue
    return None


def _pid_file(path: Path) -> list[int]:
    try:
        return [int(path.read_text().strip())]
    except (OSError, ValueError):
        return []


def start_cluster(replicas: int, options: tuple = (), env: dict | None = None) -> Server:
    """``deploy/local_cluster.sh N --port P [options]``: N replicas (pinned to cores 0, 1, ...) behind nginx on port
    P, with ``env`` added to this process's environment."""
    port = free_port()
    log = Path(tempfile.NamedTemporaryFile(prefix="ce-cluster-", suffix=".log", delete=False).name)  # noqa: SIM115
    command = ["bash", str(REPO_ROOT / "deploy" / "local_cluster.sh"), str(replicas), "--port", str(port), *options]
    env = {**os.environ, "CE_PYTHON": sys.executable, **(env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log, "deploy/local_cluster.sh")
        cluster = _cluster_dir(port, process.pid)
        if cluster is None:
            raise RuntimeError(f"no cluster dir for local_cluster.sh pid {process.pid} in {tempfile.gettempdir()}")
    except Exception:
        _stop_process(process)
        raise
    lines = [line.split() for line in (cluster / "replicas").read_text().splitlines() if line.strip()]
    groups = {f"replica {k}": (lambda k=k: _pid_file(cluster / f"replica-{k}.pid")) for k, _, _ in lines}
    groups["nginx"] = lambda: [d for p in _pid_file(cluster / "nginx.pid") for d in descendants(p)]  # + workers
    pinning = ", ".join(f"replica {k} on port {p}, core {c}" for k, p, c in lines)
    return Server(
        url, groups, f"deploy/local_cluster.sh {replicas} --port {port}, pid {process.pid}: {pinning}; nginx",
        [f"http://127.0.0.1:{p}" for _, p, _ in lines], process,
        [log, *(cluster / f"replica-{k}.log" for k, _, _ in lines)], proxied=True, server_cores=len(lines),
    )  # fmt: skip


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in ("localhost", "::1") or host.startswith("127."):
        return True
    try:
        return host in (socket.gethostname(), socket.getfqdn()) or socket.gethostbyname(host).startswith("127.")
    except OSError:
        return False


def _pgrep_streamlit() -> list[int]:
    result = subprocess.run(["pgrep", "-f", "streamlit run"], capture_output=True, text=True, check=False)
    return [int(p) for p in result.stdout.split()]


def attach(url: str, pids: list[int] | None) -> Server:
    """A server someone else runs: the given pids, else every local ``streamlit run`` process (none if remote)."""
    url = url.rstrip("/")
    _wait_healthy(url, None, None, url)
    if pids is None and (not _is_local(url) or not shutil.which("pgrep")):
        return Server(url, {}, f"already running at {url}: not on this machine, no CPU or memory figures", [url])
    pids = pids or _pgrep_streamlit()
    groups = {f"streamlit pid {p}": (lambda p=p: [p]) for p in pids}
    return Server(url, groups, f"already running at {url}; read: streamlit pids {', '.join(map(str, pids))}",
                  [url], server_cores=max(len(pids), 1))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The run


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _own_cores(server: Server, pin: bool) -> str:
    """Move this bench off core 0 when a single server is pinned there, so the students never take its core."""
    cores = sorted(os.sched_getaffinity(0))
    if pin and not server.proxied and server.process is not None and can_pin() and len(cores) > 1:
        os.sched_setaffinity(0, [c for c in cores if c != 0])
    return ",".join(map(str, sorted(os.sched_getaffinity(0))))


def _warm_up(server: Server, query: str) -> None:
    """One visit to each replica, so 'before' includes the app's imports and first-run caches (behind a proxy
    or with --url, only the replica the visit lands on)."""
    for url in server.warm_urls:
        student = Student(Record(0), Tab(url, query), seconds=2.0)
        student.run()
        if student.record.problems:
            raise RuntimeError(f"the warm-up visit to {url} failed: {student.record.problems[0]}")


def _run_students(server: Server, args) -> list[Record]:
    """Start one thread per student, one after another over ``--stagger`` seconds, and wait for all."""
    records = [Record(i + 1) for i in range(args.sessions)]
    threads = []
    gap = args.stagger / max(args.sessions - 1, 1)
    for i, record in enumerate(records):
        cookies = {"ce_replica": f"r{i % server.server_cores}"} if args.even else {}  # a returning browser's
        student = Student(record, Tab(server.url, args.link, cookies), args.seconds)
        threads.append(threading.Thread(target=student.run, name=f"student-{i + 1}", daemon=True))
        threads[-1].start()
        time.sleep(gap)
    for thread in threads:
        thread.join(timeout=args.seconds + 300)
    for record, thread in zip(records, threads, strict=True):
        if thread.is_alive():
            record.problems.append("the student's thread did not finish")
    return records


@dataclass
class Run:
    """Everything measured, for the report."""

    server: Server
    records: list[Record]
    sampler: Sampler
    bench_cores: str
    load: dict[str, tuple]
    marks: dict[str, float]  # times (time.monotonic()) of the phases
    rss_fresh: dict[str, float]  # MiB per group before the warm-up visit
    log: str


def run(args) -> Run:
    load = {"start": os.getloadavg()}
    if args.url:
        server = attach(args.url, args.server_pids)
    elif args.via_proxy:
        _log(f"starting deploy/local_cluster.sh {CLUSTER_REPLICAS}")
        server = start_cluster(CLUSTER_REPLICAS)
    else:
        server = start_single(args.pin)
    bench_cores = _own_cores(server, args.pin)
    _log(f"server: {server.description}; this bench runs on cores {bench_cores}")
    sampler = Sampler(server.groups)
    sampler.start()
    marks: dict[str, float] = {}
    try:
        rss_fresh = {g: sampler.read().rss_kib[g] / 1024 for g in server.groups}
        _warm_up(server, args.link)
        time.sleep(SETTLE_S)
        marks["before"] = time.monotonic()
        _log(f"{args.sessions} students open /?{args.link} over {args.stagger:g} s, each plays {args.seconds:g} s")
        records = _run_students(server, args)
        marks["done"] = time.monotonic()
        time.sleep(args.after_close)
        marks["after"] = time.monotonic()
    finally:
        sampler.stop()
        log = server.log()
        server.stop()
    load["end"] = os.getloadavg()
    return Run(server, records, sampler, bench_cores, load, marks, rss_fresh, log)


# ---------------------------------------------------------------------------------------------------------------
# Report


def _pct(values, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _ms(seconds: float, signed: bool = False) -> str:
    if seconds is None or np.isnan(seconds):
        return "–"
    return f"{seconds * 1000:+,.0f}" if signed else f"{seconds * 1000:,.0f}"


def _verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else "PASS" if ok else "MISS"


def _kind(problem: str) -> str:
    """A problem without its numbers, to count problems of one kind together."""
    return re.sub(r"\d+(\.\d+)?", "N", problem)[:100]


def _replica(record: Record) -> str:
    return record.replica_cookie or record.upstream or "–"


def playing_window(records: list[Record]) -> tuple[float, float]:
    """From the moment the last session showed its first frame to the moment the first one pressed Pause."""
    played = [r for r in records if r.first_shown_at is not None and r.stopped_at is not None]
    if not played:
        return float("nan"), float("nan")
    return max(r.first_shown_at for r in played), min(r.stopped_at for r in played)


def _print_sessions(records: list[Record], proxied: bool) -> None:
    print("per session (times in ms; lateness = chunk arrival minus when its first frame was due, negative = early):")
    print(
        f"{'#':>3} {'replica':>8} {'load':>6} {'Play→':>6} {'frames':>6} {'steps/s':>7} {'asked':>5} {'%':>6} "
        f"{'chunks':>6} {'late p50':>8} {'late p95':>8} {'late max':>8} {'rtt p95':>7} {'stalls':>6} {'retry':>5} "
        f"{'errors':>6}"
    )
    for r in records:
        asked = r.fps * r.spf
        share = 100 * r.steps_per_s() / asked if asked else float("nan")
        print(
            f"{r.index:>3} {(_replica(r) if proxied else '–'):>8} "
            f"{(f'{r.load_s * 1000:,.0f}' if r.load_s is not None else '–'):>6} "
            f"{(f'{r.play_latency_s * 1000:,.0f}' if r.play_latency_s is not None else '–'):>6} {r.shown:>6} "
            f"{r.steps_per_s():>7.1f} {asked:>5} {share:>6.1f} {r.chunks:>6} {_ms(_pct(r.lateness_s, 50)):>8} "
            f"{_ms(_pct(r.lateness_s, 95)):>8} {_ms(max(r.lateness_s, default=float('nan'))):>8} "
            f"{_ms(_pct(r.round_trip_s, 95)):>7} {r.stalls:>6} {r.retries:>5} {len(r.problems):>6}"
        )


def _same(shown, wanted: str) -> bool:
    """A widget's value (a list for sliders) against the link's text for it."""
    value = shown[0] if isinstance(shown, list) and len(shown) == 1 else shown
    try:
        return float(value) == float(wanted)
    except (TypeError, ValueError):
        return str(value) == wanted


def link_mismatches(r: Record, link: str) -> list[str]:
    """Settings of the link that the sidebar did not show once loaded (a setting the page has no widget for is
    skipped)."""
    return [f"{name}={r.settings[name]!r}, the link says {wanted}" for name, wanted in parse_qsl(link)
            if r.settings and name in r.settings and not _same(r.settings[name], wanted)]  # fmt: skip


def _session_problems(r: Record, link: str) -> list[str]:
    """Every sign that this session broke or lost its state, as one line each."""
    found = list(r.problems) + [f"the sidebar shows {m}" for m in link_mismatches(r, link)]
    if r.steps_went_back:
        found.append(f"the step went back {r.steps_went_back} times")
    if r.session_ids:
        found.append(f"{r.session_ids} new session ids mid-run (the server lost the session)")
    if r.secrets:
        found.append(f"{r.secrets} new player secrets mid-run (the player's state was lost)")
    return found


def _print_problems(records: list[Record], link: str, log: str, log_known: bool) -> tuple[int, int]:
    """Errors seen by the students, by kind, and error lines of the server's log; returns both counts."""
    problems = [(r.index, p) for r in records for p in _session_problems(r, link)]
    kinds: dict[str, list[int]] = {}
    for index, problem in problems:
        kinds.setdefault(_kind(problem), []).append(index)
    print(f"errors seen by the students: {len(problems)}")
    for kind, where in sorted(kinds.items(), key=lambda item: -len(item[1])):
        print(f"  {len(where):>3} x {kind}  (sessions {', '.join(map(str, sorted(set(where))))})")
    for index, problem in problems[:SHOW_PROBLEMS]:
        print(f"  e.g. session {index}: {problem}")
    warnings = Counter(w for r in records for w in r.warnings)
    for text, count in warnings.most_common(3):
        print(f"  warning on the page ({count} sessions, not counted): {text}")
    if not log_known:
        print("server log: not available (--url)")
        return len(problems), 0
    lines = log.splitlines()
    errors = [i for i, line in enumerate(lines) if LOG_ERROR.search(line)]
    print(f"error lines in the server log: {len(errors)}")
    if errors:
        for line in lines[errors[0] : errors[0] + 30]:
            print(f"  | {line[:200]}")
    return len(problems), len(errors)


def _print_state(records: list[Record]) -> None:
    """Whether every session kept its state: the checks of Student._pause and _full_rerun, and the session ids."""
    paused = sum(r.paused_step is not None and r.paused_step == r.last_step for r in records)
    kept = sum(r.final_step is not None and r.final_step == r.paused_step and r.settings_after == r.settings
               for r in records)  # fmt: skip
    same = sum(r.session_ids == 0 and r.secrets == 0 and r.steps_went_back == 0 for r in records)
    print(
        f"state kept: {same}/{len(records)} sessions kept one session id and one player and their step only grew; "
        f"Pause stopped on the frame shown in {paused}/{len(records)}; a full rerun afterwards kept the step and "
        f"every sidebar value in {kept}/{len(records)}"
    )


def _print_spread(records: list[Record]) -> None:
    by_replica = Counter(_replica(r) for r in records)
    upstreams = {r.replica_cookie: set() for r in records}
    for r in records:
        upstreams[r.replica_cookie].add(r.upstream)
    spread = ", ".join(f"{name}: {n}" for name, n in sorted(by_replica.items()))
    detail = "; ".join(f"cookie {c or '–'} -> X-Upstream {', '.join(sorted(u))}" for c, u in sorted(upstreams.items()))
    print(f"sessions per replica (ce_replica cookie): {spread} ({detail})")
    for name in sorted(by_replica):
        mine = [r for r in records if _replica(r) == name]
        shares = [r.steps_per_s() / (r.fps * r.spf) for r in mine if r.fps]
        lateness = [x for r in mine for x in r.lateness_s]
        print(
            f"  {name}: {len(mine)} sessions, worst {100 * min(shares, default=0):.1f}% of the steps asked for, "
            f"chunk lateness p95 {_ms(_pct(lateness, 95), True)} ms, {sum(r.stalls for r in mine)} stalls"
        )


def _print_steps(records: list[Record]) -> tuple[float, float]:
    """Steps shown against those asked for, and chunk lateness over all sessions; returns (worst share, p95)."""
    played = [r for r in records if r.playing_s() > 0 and r.fps]
    shares = [r.steps_per_s() / (r.fps * r.spf) for r in played]
    worst = min(shares) if len(played) == len(records) and shares else 0.0
    lateness = np.concatenate([r.lateness_s for r in records if r.lateness_s] or [np.array([])])
    rtt = np.concatenate([r.round_trip_s for r in records if r.round_trip_s] or [np.array([])])
    p95 = _pct(lateness, 95)
    asked = sum(r.fps * r.spf for r in played)
    got = sum(r.steps_per_s() for r in played)
    print(
        f"steps per second: {got:,.0f} shown vs {asked:,} asked for over {len(played)} sessions "
        f"({100 * got / max(asked, 1):.1f}%); worst session {100 * worst:.1f}%"
    )
    worst_p95 = max((_pct(r.lateness_s, 95) for r in records if r.lateness_s), default=float("nan"))
    print(
        f"chunk lateness over {len(lateness):,} chunks: p50 {_ms(_pct(lateness, 50), True)} ms, p95 "
        f"{_ms(p95, True)} ms, max {_ms(lateness.max() if len(lateness) else float('nan'), True)} ms; worst "
        f"session's p95 {_ms(worst_p95, True)} ms; "
        f"{sum(r.stalls for r in records)} stalls, {sum(r.retries for r in records)} chunks asked for again"
    )
    print(
        f"chunk round trip (more sent -> chunk received): p50 {_ms(_pct(rtt, 50))} ms, p95 {_ms(_pct(rtt, 95))} ms, "
        f"max {_ms(rtt.max() if len(rtt) else float('nan'))} ms; Play -> chunk 0: p50 "
        f"{_ms(_pct([r.play_latency_s for r in records if r.play_latency_s is not None], 50))} ms; page load p50 "
        f"{_ms(_pct([r.load_s for r in records if r.load_s is not None], 50))} ms"
    )
    seconds = sum(r.playing_s() for r in played)
    received = sum(r.received_bytes for r in records)
    print(
        f"data from the server: {received / 2**20:,.1f} MiB in all, {received / max(seconds, 1e-9) / 1024:,.0f} KiB "
        f"per second of playing per session; Play pressed again after a stream's step limit: "
        f"{sum(r.replays for r in records)} times"
    )
    return worst, p95


def _print_cpu(result: Run, window: tuple[float, float]) -> float:
    """CPU while every session plays, per group and per session; returns the server CPU per session (% of a core)."""
    s, (t1, t2), n = result.sampler, window, len(result.records)
    idle = (result.marks["before"] - SETTLE_S - SAMPLE_S, result.marks["before"])
    print(f"CPU while all {n} sessions played ({t2 - t1:.0f} s window; 100% = one core):")
    total = 0.0
    on_replica = Counter(f"replica {_replica(r)[1:]}" for r in result.records if _replica(r).startswith("r"))
    for group in result.server.groups:
        pct = s.cpu_pct(group, t1, t2)
        total += pct if group != "nginx" and not np.isnan(pct) else 0.0
        share = f", {on_replica[group]} sessions: {pct / on_replica[group]:.2f}% each" if on_replica[group] else ""
        print(f"  {group}: {pct:.0f}% (idle before the class: {s.cpu_pct(group, *idle):.0f}%){share}")
    per_session = total / n if n else float("nan")
    nginx = s.cpu_pct("nginx", t1, t2) if "nginx" in result.server.groups else 0.0
    bench, machine = s.bench_pct(t1, t2), s.machine_pct(t1, t2)
    others = max(machine * (os.cpu_count() or 1) - total - nginx - bench, 0.0)
    print(
        f"  server total {total:.0f}% = {per_session:.2f}% of a core per session; this bench (all {n} students, "
        f"cores {result.bench_cores}) {bench:.0f}%; other processes {others:.0f}%; machine {machine:.0f}% busy of "
        f"{os.cpu_count()} cores"
    )
    if others > BUSY_OTHERS_PCT:
        print(f"  NOTE: other processes took {others:.0f}% of a core meanwhile: the servers shared their cores, so "
              "lateness and steps are pessimistic (run again on a quiet machine)")  # fmt: skip
    return per_session


def _print_timeline(result: Run, step_s: float = 10.0) -> None:
    """Server CPU over the run, every ``step_s`` seconds, with the sessions playing then: training costs more in
    a run's first 1,000 steps (the history evaluates the training set at every step)."""
    s, records = result.sampler, result.records
    t0, end = result.marks["before"], result.marks["done"]
    groups = result.server.server_groups()
    parts = []
    for t in np.arange(t0, end - step_s / 2, step_s):
        cpu = sum(s.cpu_pct(g, t, t + step_s) for g in groups)
        playing = sum(r.first_shown_at is not None and r.first_shown_at < t + step_s and (r.stopped_at or end) > t
                      for r in records)  # fmt: skip
        parts.append(f"{cpu:.0f}% ({playing})")
    print(f"  server CPU every {step_s:g} s from the first student on (sessions playing): {', '.join(parts)}")


def _print_memory(result: Run) -> float:
    """Server memory before and at its peak; returns the growth per session in MiB."""
    s, marks, n = result.sampler, result.marks, len(result.records)
    growth = 0.0
    for group in result.server.groups:
        before = s.rss_mib(group, t2=marks["before"])
        peak = s.rss_mib(group, marks["before"], marks["done"], peak=True)
        after = s.rss_mib(group, t2=marks["after"])
        growth += peak - before if group != "nginx" else 0.0
        print(
            f"  {group}: fresh {result.rss_fresh[group]:.0f} MiB, after the warm-up visit {before:.0f} MiB, peak "
            f"{peak:.0f} MiB (+{peak - before:.0f}), {after:.0f} MiB after the students left"
        )
    per_session = growth / n if n else float("nan")
    print(f"  growth (peak - before) {growth:.0f} MiB = {per_session:.2f} MiB per session (closed sessions are kept "
          "for server.disconnectedSessionTTL, 120 s)")  # fmt: skip
    return per_session


def report(result: Run, args) -> bool:
    records, server = result.records, result.server
    n, cores = len(records), os.cpu_count() or 1
    print("Cross-Entropy Playground: a full class at once, headless (python -m bench.load)")
    print(f"machine: {cpu_model()}, {cores} cores; Python {sys.version.split()[0]}, Streamlit {streamlit.__version__}")
    for when, (a, b, c) in result.load.items():
        print(f"load average at {when}: {a:.2f} {b:.2f} {c:.2f} (1, 5, 15 min)")
    print(f"server: {server.description}")
    print(
        f"class: {n} sessions opening /?{args.link} over {args.stagger:g} s, each playing {args.seconds:g} s; "
        f"this bench on cores {result.bench_cores}"
    )
    print()
    _print_sessions(records, server.proxied)
    print()
    if server.proxied:
        _print_spread(records)
    worst, p95 = _print_steps(records)
    _print_state(records)
    errors, log_errors = _print_problems(records, args.link, result.log, bool(server.log_paths))
    print()
    window = playing_window(records)
    cpu = _print_cpu(result, window) if server.groups and window[1] - window[0] >= 2 * SAMPLE_S else float("nan")
    if server.groups and np.isnan(cpu):
        print("CPU: no window in which every session played (raise --seconds or lower --stagger)")
    if server.groups:
        _print_timeline(result)
    print("server memory (VmRSS):")
    rss = _print_memory(result) if server.groups else float("nan")
    print()
    per_core = n / server.server_cores
    setting_note = (
        "" if per_core >= BUDGET_SESSIONS_PER_CORE and (args.fps, args.spf) == (BUDGET_FPS, BUDGET_SPF)
        else f"  (this run: {per_core:g} sessions per core at fps={args.fps}, spf={args.spf}; the budgets are set "
             f"for >= {BUDGET_SESSIONS_PER_CORE} per core at fps={BUDGET_FPS}, spf={BUDGET_SPF})"
    )  # fmt: skip
    budgets = [
        (worst >= BUDGET_STEP_SHARE, f"every session gets >= {100 * BUDGET_STEP_SHARE:g}% of the steps it asked for "
                                     f"(worst {100 * worst:.1f}%)"),
        (p95 <= BUDGET_P95_LATENESS_S, f"p95 chunk lateness <= {1000 * BUDGET_P95_LATENESS_S:g} ms "
                                       f"({_ms(p95, True)} ms)"),
        (errors + log_errors == 0, f"no errors ({errors} seen by the students, {log_errors} in the server log)"),
        (None if np.isnan(rss) else rss <= BUDGET_RSS_MIB_PER_SESSION, f"server RSS growth <= {BUDGET_RSS_MIB_PER_SESSION:g} MiB per session "
                                            f"({rss:.2f} MiB)"),
        (None if np.isnan(cpu) and not server.groups else cpu <= BUDGET_CPU_PCT_PER_SESSION, f"one session at fps={args.fps} costs <= {BUDGET_CPU_PCT_PER_SESSION:g}% "
                                            f"of a core ({cpu:.2f}%)"),
    ]  # fmt: skip
    print(f"budgets{setting_note}:")
    for ok, text in budgets:
        print(f"  {_verdict(ok)}  {text}")
    return all(ok is not False for ok, _ in budgets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="students at once (default 30)")
    parser.add_argument("--seconds", type=float, default=60.0, help="auto-run time of each student (default 60)")
    parser.add_argument("--fps", type=int, default=BUDGET_FPS, help=f"frames per second in the link ({BUDGET_FPS})")
    parser.add_argument("--spf", type=int, default=BUDGET_SPF, help=f"steps per frame in the link ({BUDGET_SPF})")
    parser.add_argument("--query", default=DEFAULT_QUERY, help=f"link settings besides fps, spf ({DEFAULT_QUERY})")
    parser.add_argument("--quick", action="store_true", help="5 sessions for 15 s")
    parser.add_argument("--stagger", type=float, default=5.0, help="seconds over which the students arrive (5)")
    parser.add_argument("--after-close", type=float, default=5.0, help="seconds after the last student left, "
                        "before the last memory reading (5)")  # fmt: skip
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin the server to core 0")
    parser.add_argument("--url", help="an already running server or cluster (http://host:port), not started here")
    parser.add_argument(
        "--server-pids",
        type=lambda text: [int(p) for p in text.split(",")],
        help="with --url: the pids to read, e.g. 123,456 (default: every 'streamlit run' process pgrep finds)",
    )
    parser.add_argument("--via-proxy", action="store_true", help=f"start deploy/local_cluster.sh {CLUSTER_REPLICAS} "
                        "and connect through its nginx")  # fmt: skip
    parser.add_argument("--even", action="store_true", help="with --via-proxy: give the students ce_replica "
                        "cookies r0, r1, r0, ... (as returning browsers carry), so the replicas get equal shares "
                        "instead of nginx's random split")  # fmt: skip
    poll = parser.add_argument_group("a class poll (--class: 1 teacher and --students students over 2 replicas "
                                     "behind nginx; see bench/class_load.py)")  # fmt: skip
    poll.add_argument("--class", dest="class_poll", action="store_true", help="run the class poll scenario")
    poll.add_argument("--students", type=int, default=60, help="students in the room (60)")
    poll.add_argument("--rounds", type=int, default=4, help="questions asked (4)")
    poll.add_argument("--idle", type=float, default=20.0, help="seconds the class sits idle before the first "
                      "question, to measure an idle student's cost (20)")  # fmt: skip
    poll.add_argument("--store", choices=("sqlite", "redis"), help="the class store (default: SQLite)")
    poll.add_argument("--no-restart", dest="restart", action="store_false", help="do not restart a replica in the "
                      "last question")  # fmt: skip
    args = parser.parse_args()
    if args.class_poll:
        from bench import class_load

        sys.exit(0 if class_load.run(args) else 1)
    if args.even and not args.via_proxy:
        parser.error("--even needs --via-proxy")
    if args.quick:
        args.sessions, args.seconds = 5, 15.0
    if args.url and args.via_proxy:
        parser.error("--url and --via-proxy exclude each other")
    args.link = f"{args.query}&fps={args.fps}&spf={args.spf}".lstrip("&")
    if not Path("/proc/self/stat").exists():
        sys.exit("bench.load reads CPU and memory from /proc: Linux only")
    sys.exit(0 if report(run(args), args) else 1)


if __name__ == "__main__":
    main()
