"""A full class at once: many browser sessions auto-running the training page against one server.

    python -m bench.load                 # 20 sessions, 60 s of auto-run at 5 fps
    python -m bench.load --quick         # 5 sessions, 15 s
    python -m bench.load --sessions 30 --seconds 120 --fps 10

Starts one ``streamlit run app.py`` on a free localhost port and opens every session at once in one headless
Chromium (one browser context, hence one Streamlit session, per student). Each page loads the training page from
a link, presses Play and auto-runs; inside every page a recorder notes the time at which the Step metric shows a
new value, and a small watcher notes exceptions, error alerts and lost connections. Meanwhile a thread reads the
server's CPU time and resident memory from ``/proc`` every second. The Python side only starts the recorders,
sleeps through the run and reads them afterwards, so one thread drives every page without waiting on any of them.
Not part of CI: it takes minutes and its figures depend on whatever else the machine is doing.

All the pages render on this machine, next to the server; students' browsers each run on their own computer. So
the frame times here are worse than a class would see whenever the browser needs the CPU; the server's own CPU and
memory are what the deployment has to provide.

Targets: every session loads and runs with no error, p95 of the time between visible frames under 1 s, server
memory growth (peak minus before the sessions connect) under 150 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from bench.core import cpu_model
from tests.e2e import server as app_server
from tests.e2e import ui

TARGET_P95_S = 1.0
TARGET_GROWTH_MB = 150.0  # MB of 10^6 bytes; /proc counts KiB
MB_PER_MIB = 1.048576
DEFAULT_QUERY = "dataset=spiral&K=4&n=500&layers=1&width=32&spf=5"  # the budget setting of bench.frame
MIN_FRAMES_TO_COUNT_AS_RUNNING = 2
SHOW_ERRORS = 5  # first few error messages printed
PLAY_TIMEOUT_S = 30.0  # a click, and the wait for Play to turn into Pause, on a machine busy with 20 pages
LOG_CHARS = 10_000_000  # all of the server's log
PAUSE_WAIT_S = 20.0  # for every page's Pause run to finish (one deadline for all)

# Installed in every page before Streamlit's own scripts: when the Step metric first shows (the load time, measured
# from navigation start), every exception or error alert that ever appears (even one replaced a frame later), and
# every time the app leaves the CONNECTED state. A 250 ms poll costs nothing next to a frame's chart rebuild, and an
# error stays on screen at least until the next frame; the connection state is observed directly, since a reconnect
# can be quicker than a poll.
_WATCH_JS = """(() => {
    const w = window.__ceLoad = {stepShownAt: null, exceptions: [], errors: [], disconnects: [],
                                 maxExceptions: 0, maxErrors: 0, lastState: null, observed: false};
    const onState = (app) => {
        const state = app.dataset.testConnectionState;
        if (state && state !== w.lastState) {
            if (w.lastState === 'CONNECTED') w.disconnects.push([performance.now(), state]);
            w.lastState = state;
        }
    };
    const collect = (selector, list, maxKey) => {
        const found = document.querySelectorAll(selector);
        w[maxKey] = Math.max(w[maxKey], found.length);
        for (const el of found) {
            const text = (el.innerText || '').trim().slice(0, 300);
            if (list.length < 20 && !list.includes(text)) list.push(text);
        }
    };
    const check = () => {
        const app = document.querySelector('[data-testid="stApp"]');
        if (app) {
            onState(app);
            if (!w.observed) {
                new MutationObserver(() => onState(app)).observe(
                    app, {attributes: true, attributeFilter: ['data-test-connection-state']});
                w.observed = true;
            }
        }
        if (w.stepShownAt === null) {
            for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
                const l = m.querySelector('[data-testid="stMetricLabel"]');
                if (l && l.innerText.trim() === 'Step') w.stepShownAt = performance.now();
            }
        }
        collect('[data-testid="stException"]', w.exceptions, 'maxExceptions');
        collect('[data-testid="stAlertContentError"]', w.errors, 'maxErrors');
    };
    setInterval(check, 250);
})();"""


# Record (time, text) each time the Step metric shows a new value. ``ui.start_metric_recorder`` checks on every
# animation frame, which keeps each page's rendering loop at 60 Hz: measured here, 20 idle pages then cost ~80% of
# a core (a 50 ms poll: ~10%), on the same 2 cores as the server. This one sleeps until the value's DOM node
# changes (a MutationObserver on that node only, not on the charts), then stamps the time in the next animation
# frame, the one that paints the new value. A slow poll re-finds the node should React ever replace it.
_RECORD_JS = """(label) => {
    const rec = window.__ceFrames = {changes: [], last: null, stop: false, node: null, observer: null,
                                     pending: false};
    const find = () => {
        for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            const l = m.querySelector('[data-testid="stMetricLabel"]');
            if (l && l.textContent.trim() === label) return m.querySelector('[data-testid="stMetricValue"]');
        }
        return null;
    };
    const attach = () => {
        const node = find();
        if (node !== rec.node) {
            if (rec.observer) rec.observer.disconnect();
            rec.node = node;
            rec.observer = null;
            if (node) {
                rec.observer = new MutationObserver(changed);
                rec.observer.observe(node, {characterData: true, childList: true, subtree: true});
            }
        }
        return node;
    };
    const read = () => {
        const node = rec.node && rec.node.isConnected ? rec.node : attach();
        return node ? node.textContent.trim() : null;
    };
    function changed() {
        if (rec.stop || rec.pending) return;
        rec.pending = true;
        requestAnimationFrame(() => {
            rec.pending = false;
            const value = read();
            if (value !== null && value !== rec.last) {
                rec.last = value;
                rec.changes.push([performance.now(), value]);
            }
        });
    }
    attach();
    rec.last = read();
    rec.timer = setInterval(() => { if (!rec.node || !rec.node.isConnected) changed(); }, 250);
}"""

_STOP_RECORD_JS = """() => {
    const rec = window.__ceFrames;
    rec.stop = true;
    clearInterval(rec.timer);
    if (rec.observer) rec.observer.disconnect();
    return rec.changes;
}"""

# Click the button with this key from inside the page, in the same round trip as the work around it: on a machine
# busy rendering 20 pages each Playwright call can take seconds, and a real click first waits for the button to
# hold still, which a button redrawn every frame may not do (the first full run of this bench spent 13 minutes
# pressing Play). Streamlit also draws a zero-width copy of a button with help: click the visible one.
_CLICK_JS = """(key) => {
    const button = [...document.querySelectorAll(`.st-key-${key} button`)].find(b => b.offsetWidth > 0);
    if (!button || button.disabled) return false;
    button.click();
    return true;
}"""

# Start the recorder, note the time, press Play: [time, pressed].
_PLAY_JS = f"""(label) => {{
    ({_RECORD_JS})(label);
    const t = performance.now();
    return [t, ({_CLICK_JS})('btn_play')];
}}"""

# Stop the recorder, note the time, press Pause: [changes, time, pressed].
_STOP_AND_PAUSE_JS = f"""() => {{
    const changes = ({_STOP_RECORD_JS})();
    const t = performance.now();
    return [changes, t, ({_CLICK_JS})('btn_pause')];
}}"""


# ---------------------------------------------------------------------------------------------------------------
# The server process, read from /proc


def _process_tree() -> dict[int, list[int]]:
    """Children of every process, from the parent pid in each /proc/PID/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(pid: int, tree: dict[int, list[int]], skip: int = -1) -> list[int]:
    """``pid`` and everything below it, leaving out the subtree of ``skip``."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current == skip:
            continue
        found.append(current)
        todo += tree.get(current, [])
    return found


def _cpu_ticks(pid: int, tid: int | None = None) -> int:
    """utime + stime of one process (or of one of its threads), in clock ticks."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    with open(path, encoding="utf-8") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5): the name's ')' ends field 2


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _sum_over(pids: list[int], read) -> int:
    total = 0
    for pid in pids:
        try:
            total += read(pid)
        except (OSError, IndexError, ValueError):  # a process that just exited
            continue
    return total


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot, from the first line of /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as f:
        values = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Sample:
    t: float  # seconds since the sampler started
    phase: str  # what the bench was doing: idle, loading, running, closing, closed
    server_pct: float  # server (+ descendants) CPU over the last interval, % of one core
    loop_pct: float  # the server's main thread alone: the event loop that reads and writes every websocket
    browser_pct: float  # this bench's Playwright driver + Chromium, % of one core
    machine_pct: float  # every process on the machine, % of all cores
    rss_mib: float  # server + descendants


@dataclass
class _Reading:
    server_ticks: int
    loop_ticks: int
    browser_ticks: int
    machine: tuple[int, int]
    rss_mib: float


class ProcSampler(threading.Thread):
    """Samples the server's CPU and memory every ``interval`` seconds, tagged with the bench's current phase.

    Also the CPU of this bench's own browser (every descendant of this process except the server) and of the whole
    machine, so a slow result can be told apart: a busy server, a busy Chromium, or other people's work.
    A plain thread that never touches Playwright (whose sync API belongs to the main thread), so sampling goes on
    while the main thread waits for pages to load.
    """

    def __init__(self, server_pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.interval = server_pid, interval
        self.phase = "idle"
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")

    def _read(self) -> _Reading:
        tree = _process_tree()
        server = _descendants(self.server_pid, tree)
        browser = _descendants(os.getpid(), tree, skip=self.server_pid)[1:]  # [0] is this Python process
        try:
            loop = _cpu_ticks(self.server_pid, self.server_pid)
        except (OSError, IndexError, ValueError):
            loop = 0
        return _Reading(
            _sum_over(server, _cpu_ticks),
            loop,
            _sum_over(browser, _cpu_ticks),
            _machine_ticks(),
            _sum_over(server, _rss_kib) / 1024,
        )

    def run(self) -> None:
        start = last_t = time.monotonic()
        last = self._read()
        while not self._stop_event.wait(self.interval):
            now = time.monotonic()
            reading = self._read()
            scale = 100 / self._tick / (now - last_t)
            busy = reading.machine[0] - last.machine[0]
            total = reading.machine[1] - last.machine[1]
            self.samples.append(
                Sample(
                    now - start,
                    self.phase,
                    max(reading.server_ticks - last.server_ticks, 0) * scale,  # a vanished child must not go negative
                    max(reading.loop_ticks - last.loop_ticks, 0) * scale,
                    max(reading.browser_ticks - last.browser_ticks, 0) * scale,
                    100 * busy / max(total, 1),
                    reading.rss_mib,
                )
            )
            last_t, last = now, reading

    def rss_now(self) -> float:
        return self._read().rss_mib

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


# ---------------------------------------------------------------------------------------------------------------
# One browser session


@dataclass
class Session:
    index: int
    context: object
    page: object
    load_s: float | None = None  # navigation start to the Step metric on screen
    loaded: bool = False
    played: bool = False
    play_at_ms: float | None = None  # page clock (performance.now) when Play was clicked
    stop_at_ms: float | None = None  # page clock when the recorder was stopped
    changes: list[tuple[float, str]] = field(default_factory=list)  # (page ms, Step text) at every visible change
    play_slow: bool = False  # Play had not turned into Pause within PLAY_TIMEOUT_S
    pause_failed: bool = False  # Pause had not turned the button back into Play within PAUSE_WAIT_S
    paused_step: int | None = None  # Step shown once the Pause run has finished
    closing: bool = False
    problems: list[str] = field(default_factory=list)  # every error seen, as one line each
    notes: list[str] = field(default_factory=list)  # trouble of the bench itself, not of the app

    def steps(self) -> list[int]:
        """The Step values shown, in order (text that is not a number is left out; ``check_steps`` reports it)."""
        return [ui.as_int(text) for _, text in self.changes if text.replace(",", "").strip().isdigit()]

    def check_steps(self) -> None:
        """Record Step text that is not a number, and a Step that went backwards."""
        bad = [text for _, text in self.changes if not text.replace(",", "").strip().isdigit()]
        if bad:
            self.problems.append(f"Step metric showed {bad[:3]!r}, not a number")
        steps = self.steps()
        if steps != sorted(steps):
            self.problems.append(f"Step metric went backwards: {steps[:20]}")

    def gaps_s(self) -> np.ndarray:
        times = np.array([t for t, _ in self.changes], dtype=float)
        return np.diff(times) / 1000

    def window_s(self) -> float:
        if self.play_at_ms is None or self.stop_at_ms is None:
            return 0.0
        return (self.stop_at_ms - self.play_at_ms) / 1000

    def ran(self) -> bool:
        return len(set(self.steps())) >= MIN_FRAMES_TO_COUNT_AS_RUNNING


def _attach_listeners(session: Session) -> None:
    """Collect the page's console errors, JavaScript errors, crashes and lost websockets into ``problems``."""
    page = session.page

    def on_console(message) -> None:
        if message.type == "error":
            session.problems.append(f"console error: {message.text[:300]}")

    def on_websocket(ws) -> None:
        def on_close(_ws) -> None:
            if not session.closing:
                session.problems.append(f"websocket closed: {ws.url}")

        ws.on("close", on_close)
        ws.on("socketerror", lambda error: session.problems.append(f"websocket error: {error}"))

    page.on("console", on_console)
    page.on("pageerror", lambda error: session.problems.append(f"page error: {str(error)[:300]}"))
    page.on("crash", lambda _page: session.problems.append("page crashed"))
    page.on("websocket", on_websocket)


def _collect_watch(session: Session) -> None:
    """Copy what the in-page watcher saw (exceptions, error alerts, disconnects) into ``problems``."""
    try:
        watch = session.page.evaluate("() => window.__ceLoad")
    except Exception as error:  # a crashed or closed page: already recorded by the listeners
        session.problems.append(f"could not read the page: {_first_line(error)}")
        return
    if not watch:
        return
    session.problems += [f"exception on screen: {text}" for text in watch["exceptions"]]
    session.problems += [f"error alert on screen: {text}" for text in watch["errors"]]
    session.problems += [f"connection {state} at {t / 1000:.1f} s" for t, state in watch["disconnects"]]


# ---------------------------------------------------------------------------------------------------------------
# Report


def _pct(values, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _ms(seconds: float) -> str:
    return "–" if np.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _cpu_line(samples: list[Sample], phase: str, cores: int) -> str:
    """Server, own browser and whole-machine CPU over the samples of one phase."""
    chosen = [s for s in samples if s.phase == phase]
    if not chosen:
        return f"{phase}: no samples"
    server = np.array([s.server_pct for s in chosen])
    loop = np.mean([s.loop_pct for s in chosen])
    browser = np.mean([s.browser_pct for s in chosen])
    machine = np.mean([s.machine_pct for s in chosen])
    others = max(machine * cores - server.mean() - browser, 0)
    return (
        f"{phase} ({len(chosen)} s): server mean {server.mean():.0f}% of one core ({server.mean() / cores:.0f}% of "
        f"the machine), max {server.max():.0f}% ({server.max() / cores:.0f}%), of which its event-loop thread "
        f"{loop:.0f}% and script threads {server.mean() - loop:.0f}%; this bench's Chromium + Playwright "
        f"{browser:.0f}%; other processes {others:.0f}%; machine {machine:.0f}% busy"
    )


def _kind(problem: str) -> str:
    """A problem without its numbers, to count problems of the same kind together."""
    return re.sub(r"\d+(\.\d+)?", "N", problem)[:90]


def _print_log_errors(title: str, log: str) -> int:
    """Count the error lines of a server log and print the first traceback in full."""
    lines = log.splitlines()
    errors = [i for i, line in enumerate(lines) if re.search(r"Traceback|Error|Exception", line)]
    print(f"error lines {title}: {len(errors)}")
    if errors:  # up to the exception line that ends the first traceback
        first = errors[0]
        last = next((i for i in range(first + 1, len(lines)) if lines[i] and not lines[i][0].isspace()
                     and not lines[i].startswith(("Traceback", "During handling", "The above"))), first)  # fmt: skip
        for line in lines[first : min(last + 1, first + 60)]:
            print(f"  | {line[:200]}")
    return len(errors)


def _print_problems(sessions: list[Session], log_open: str, log_closing: str) -> tuple[int, int]:
    for s in sessions:
        s.check_steps()
    problems = [(s.index, p) for s in sessions for p in s.problems]
    kinds: dict[str, list[int]] = {}
    for index, problem in problems:
        kinds.setdefault(_kind(problem), []).append(index)
    print(f"errors seen in the pages: {len(problems)}")
    for kind, where in sorted(kinds.items(), key=lambda item: -len(item[1])):
        print(f"  {len(where):>3} x {kind}  (sessions {', '.join(map(str, sorted(set(where))))})")
    for index, problem in problems[:SHOW_ERRORS]:
        print(f"  e.g. session {index}: {problem}")
    played = [s for s in sessions if s.played]
    for what, limit, late in (
        ("Play turned into Pause", PLAY_TIMEOUT_S, [s.index for s in played if s.play_slow]),
        ("Pause stopped the auto-run", PAUSE_WAIT_S, [s.index for s in played if s.pause_failed]),
    ):
        print(
            f"{what} within {limit:g} s in {len(played) - len(late)}/{len(played)} sessions"
            + (f" (not in sessions {', '.join(map(str, late))}; not counted as errors)" if late else "")
        )
    notes = [(s.index, n) for s in sessions for n in s.notes]
    if notes:
        print(f"trouble of the bench itself, not counted: {len(notes)}, e.g. session {notes[0][0]}: {notes[0][1]}")
    server_errors = _print_log_errors("in the server log while the pages were open", log_open)
    _print_log_errors("in the server log while the pages closed (not counted)", log_closing)
    return len(problems), server_errors


def _print_frames(sessions: list[Session], fps: int) -> float:
    """The per-session table and the overall figures; returns the p95 of the time between frames, in seconds."""
    print("per session: frames = distinct Step values shown after Play; gap = time between two shown frames;")
    print("  step = last Step shown while recording; at Pause = Step shown once Pause took effect ('–': it did not)")
    print(
        f"{'#':>3} {'load':>6} {'frames':>7} {'fps':>6} {'gap p50':>9} {'gap p95':>9} {'gap max':>9} {'step':>7} "
        f"{'at Pause':>8} {'errors':>7}"
    )
    all_gaps, rates = [], []
    for s in sessions:
        gaps, steps = s.gaps_s(), s.steps()
        rate = len(set(steps)) / s.window_s() if s.window_s() > 0 else float("nan")
        if s.played:
            all_gaps.append(gaps)
            rates.append(rate)
        load_text = f"{s.load_s:.1f}s" if s.load_s is not None else "–"
        worst = gaps.max() if len(gaps) else float("nan")
        print(
            f"{s.index:>3} {load_text:>6} {len(set(steps)):>7} {rate:>6.2f} {_ms(_pct(gaps, 50)):>9} "
            f"{_ms(_pct(gaps, 95)):>9} {_ms(worst):>9} {(steps[-1] if steps else 0):>7,} "
            f"{'–' if s.paused_step is None else f'{s.paused_step:,}':>8} {len(s.problems):>7}"
        )
    gaps = np.concatenate(all_gaps) if all_gaps else np.array([])
    p95 = _pct(gaps, 95)
    worst_p95 = max((_pct(g, 95) for g in all_gaps if len(g)), default=float("nan"))
    print(
        f"all sessions: {len(gaps):,} gaps, p50 {_ms(_pct(gaps, 50))}, p95 {_ms(p95)}, "
        f"max {_ms(gaps.max() if len(gaps) else float('nan'))}; worst session's p95 {_ms(worst_p95)}"
    )
    if rates:
        print(
            f"frames per second: {np.nanmean(rates):.2f} per session (mean; slowest {np.nanmin(rates):.2f}) vs "
            f"{fps} requested; the whole class {np.nansum(rates):.1f} vs {fps * len(rates)}"
        )
    return p95


def _print_server(
    sessions: list[Session], sampler: ProcSampler, rss: dict, spf: int, after_close: float, warm_up: bool
) -> float:
    """CPU, cost of a frame and memory of the server; returns its memory growth in MiB."""
    cores = os.cpu_count() or 1
    samples = sampler.samples
    print("CPU, sampled every second from /proc (100% = one core busy):")
    for phase in ("loading", "running"):
        print(f"  {_cpu_line(samples, phase, cores)}")
    # Frames shown while recording, each spf steps from step 0. A frame computed but never shown counts as nothing,
    # so this is an upper bound of the cost; it includes the full-app run each Play starts.
    served = sum(s.steps()[-1] // spf for s in sessions if s.steps())
    cpu_s = sum(x.server_pct for x in samples if x.phase == "running") / 100 * sampler.interval
    if served:
        per_frame = cpu_s / served
        print(
            f"  server CPU per frame shown: ~{per_frame * 1000:.0f} ms ({cpu_s:.0f} CPU-s while running for "
            f"{served:,} frames of {spf} steps); at that cost one core computes {1 / per_frame:.0f} frames/s"
        )
    before_means = (
        "'before' is after one warm-up session: the app is imported"
        if warm_up
        else "'before' has not imported the app yet; --warm-up leaves the imports out"
    )
    peak = max((x.rss_mib for x in samples), default=float("nan"))
    growth = peak - rss["before"]
    print(
        f"server RSS: before {rss['before']:.0f} MiB, all loaded {rss['loaded']:.0f} MiB, peak {peak:.0f} MiB, "
        f"{after_close:g} s after closing {rss['after']:.0f} MiB"
    )
    print(
        f"  growth (peak - before) {growth:.0f} MiB, of which {rss['loaded'] - rss['before']:.0f} MiB by the time "
        f"all had loaded ({before_means}); {rss['after'] - rss['before']:.0f} MiB still held "
        f"{after_close:g} s after closing (Streamlit keeps a closed session for server.disconnectedSessionTTL, "
        "120 s by default)"
    )
    return growth


def report(args, url: str, sessions: list[Session], sampler: ProcSampler, rss: dict, load: dict, logs: tuple[str, str]):
    """Print everything; ``logs`` is the server's log up to closing the pages, and from there on."""
    cores = os.cpu_count() or 1
    print("Cross-Entropy Playground: a full class at once (python -m bench.load)")
    print(f"machine: {cpu_model()}, {cores} cores; Python {sys.version.split()[0]}")
    start, end = load["start"], load["end"]
    print(
        f"load average at start {start[0]:.2f} {start[1]:.2f} {start[2]:.2f}, at end {end[0]:.2f} {end[1]:.2f} "
        f"{end[2]:.2f} (1, 5, 15 min)"
    )
    if start[0] > 0.5 * cores:
        print(
            f"  NOTE: the machine was already busy before the bench began (load {start[0]:.2f} on {cores} cores): "
            "other processes shared the CPU, so the frame times below are pessimistic."
        )
    print(
        f"settings: {args.sessions} sessions in one headless Chromium on this machine, {args.seconds:g} s of "
        f"auto-run each, {args.fps} fps requested, page {url}"
    )
    print()
    loaded = [s for s in sessions if s.loaded]
    running = [s for s in loaded if s.ran()]
    load_times = [s.load_s for s in loaded if s.load_s is not None]
    print(f"sessions loaded: {len(loaded)}/{len(sessions)}", end="")
    print(
        f"  (navigation to Step metric: median {np.median(load_times):.1f} s, slowest {max(load_times):.1f} s)"
        if load_times
        else ""
    )
    print(f"sessions running (≥ {MIN_FRAMES_TO_COUNT_AS_RUNNING} frames shown): {len(running)}/{len(sessions)}")
    page_errors, server_errors = _print_problems(sessions, *logs)
    print()
    p95 = _print_frames(sessions, args.fps)
    print()
    growth = _print_server(sessions, sampler, rss, _spf(args.query), args.after_close, args.warm_up)
    print()

    all_ok = len(running) == len(sessions) and not page_errors and not server_errors
    targets = [
        (
            all_ok,
            f"{len(sessions)} of {len(sessions)} sessions load and run with no error (loaded {len(loaded)}, "
            f"running {len(running)}, errors {page_errors} in pages + {server_errors} in the server log)",
        ),
        (p95 < TARGET_P95_S, f"p95 time between frames under {TARGET_P95_S:g} s ({_ms(p95)})"),
        (
            growth * MB_PER_MIB < TARGET_GROWTH_MB,
            f"server memory growth under {TARGET_GROWTH_MB:g} MB ({growth * MB_PER_MIB:.0f} MB = {growth:.0f} MiB)",
        ),
    ]
    print("targets:")
    for ok, text in targets:
        print(f"  {_verdict(ok)}  {text}")
    return all(ok for ok, _ in targets)


def _spf(query: str) -> int:
    """Steps per frame in the link (the app's default, 5, when it names none)."""
    values = parse_qs(query).get("spf", [])
    return int(values[-1]) if values and values[-1].isdigit() else 5


# ---------------------------------------------------------------------------------------------------------------
# The run


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _pump(page, seconds: float) -> None:
    """Wait while letting Playwright deliver events (a plain sleep would hold them back until the next call)."""
    try:
        page.wait_for_timeout(seconds * 1000)
    except Exception:  # the page is gone; its listener has recorded why
        time.sleep(seconds)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def _ms_left(deadline: float) -> float:
    """Milliseconds until a time.monotonic() deadline, at least 1 (a Playwright timeout of 0 means none)."""
    return max((deadline - time.monotonic()) * 1000, 1)


def _wait_loaded(sessions: list[Session], deadline: float) -> None:
    """Wait for every page's first run: one wait after another, but the pages all load at the same time."""
    for s in sessions:
        try:
            ui.metric_value(s.page, "Step").wait_for(timeout=_ms_left(deadline))
            ui.wait_idle(s.page, timeout=_ms_left(deadline))  # loaded: the first run done and its charts drawn
        except Exception as error:
            s.problems.append(f"did not load within the time allowed: {_first_line(error)}")
            continue
        s.loaded = True
        shown = s.page.evaluate("() => window.__ceLoad && window.__ceLoad.stepShownAt")
        s.load_s = shown / 1000 if shown is not None else None


def _press_play(sessions: list[Session]) -> None:
    """Start each page's frame recorder and press its Play, one round trip per page."""
    for s in sessions:
        if not s.loaded:
            continue
        try:
            s.play_at_ms, pressed = s.page.evaluate(_PLAY_JS, "Step")
        except Exception as error:
            s.problems.append(f"could not press Play: {_first_line(error)}")
            continue
        if pressed:
            s.played = True
        else:
            s.problems.append("no enabled Play button on the page")


def _confirm_playing(sessions: list[Session]) -> None:
    """Check that every Play turned into Pause (one wait after another, with one deadline for all).

    A slow answer is reported on its own line, not as an error: whether the session ran at all is judged by its
    frames.
    """
    deadline = time.monotonic() + PLAY_TIMEOUT_S
    for s in sessions:
        if not s.played:
            continue
        try:
            ui.button(s.page, "btn_pause").filter(has_text="Pause").wait_for(timeout=_ms_left(deadline))
        except Exception:
            s.play_slow = True


def _read_recorders_and_pause(sessions: list[Session]) -> None:
    """Read every page's recorder and press its Pause, one round trip per page."""
    for s in sessions:
        if not s.played:
            continue
        try:
            changes, s.stop_at_ms, pressed = s.page.evaluate(_STOP_AND_PAUSE_JS)
        except Exception as error:
            s.problems.append(f"could not read the frame recorder: {_first_line(error)}")
            continue
        s.changes = [tuple(change) for change in changes]
        if not pressed:
            s.notes.append("no enabled Pause button on the page")


def _wait_paused(sessions: list[Session]) -> None:
    """Wait for every Pause run, note the Step it shows, and read the watchers.

    Whether Pause took effect is reported on its own line: it is not one of the targets, but a student would notice.
    """
    deadline = time.monotonic() + PAUSE_WAIT_S
    for s in sessions:
        if not s.played:
            continue
        try:
            ui.button(s.page, "btn_play").filter(has_text="Play").wait_for(timeout=_ms_left(deadline))
            # the run that Pause started has finished; the charts drawing that run's figures is not part of it
            ui.wait_idle(s.page, timeout=_ms_left(deadline), charts=False)
            s.paused_step = ui.as_int(ui.metric_value(s.page, "Step").inner_text(timeout=5_000))
        except Exception:
            s.pause_failed = True
    for s in sessions:
        _collect_watch(s)


def _close(sessions: list[Session]) -> None:
    for s in sessions:
        s.closing = True
        s.context.close()


def _warm_up(browser, url: str) -> None:
    """Load the page once in a throw-away session, so 'before' includes the app's imports and caches."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url, wait_until="commit")
    ui.metric_value(page, "Step").wait_for(timeout=120_000)
    ui.wait_idle(page, timeout=120_000)
    context.close()


def run(args) -> bool:
    from playwright.sync_api import sync_playwright

    url_path = f"/?{args.query}&fps={args.fps}"
    load = {"start": os.getloadavg()}
    _log(f"load average {load['start'][0]:.2f}; starting streamlit")
    server = app_server.start_app()
    sampler = ProcSampler(server.process.pid)
    sampler.start()
    rss: dict[str, float] = {}
    sessions: list[Session] = []
    log_open = ""
    try:
        with sync_playwright() as p:
            browser = app_server.launch_chromium(p)
            try:
                for i in range(args.sessions):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    context.add_init_script(_WATCH_JS)
                    session = Session(i + 1, context, context.new_page())
                    _attach_listeners(session)
                    sessions.append(session)
                if args.warm_up:
                    _warm_up(browser, server.url + url_path)
                time.sleep(args.settle)  # the idle server's memory before anyone connects
                rss["before"] = sampler.rss_now()

                _log(f"server pid {server.process.pid} at {server.url}; opening {args.sessions} sessions at once")
                sampler.phase = "loading"
                deadline = time.monotonic() + args.load_timeout
                for s in sessions:  # 'commit' returns as soon as the response starts: the pages load side by side
                    try:
                        s.page.goto(server.url + url_path, wait_until="commit", timeout=args.load_timeout * 1000)
                    except Exception as error:
                        s.problems.append(f"navigation failed: {_first_line(error)}")
                _wait_loaded(sessions, deadline)
                rss["loaded"] = sampler.rss_now()
                _log(f"{sum(s.loaded for s in sessions)}/{len(sessions)} loaded; pressing Play everywhere")

                sampler.phase = "running"
                _press_play(sessions)
                end = time.monotonic() + args.seconds
                _confirm_playing(sessions)
                pump_page = next((s.page for s in sessions if s.played), sessions[0].page)
                while (left := end - time.monotonic()) > 0:
                    _pump(pump_page, min(left, 1.0))
                _read_recorders_and_pause(sessions)
                _log("stopped recording, pressed Pause everywhere; waiting for it, then closing the pages")
                sampler.phase = "closing"
                _wait_paused(sessions)
                log_open = server.log_tail(LOG_CHARS)
                _close(sessions)
            finally:
                for s in sessions:
                    s.closing = True
                browser.close()
        sampler.phase = "closed"
        _log(f"all sessions closed; waiting {args.after_close:g} s before the last memory reading")
        time.sleep(args.after_close)
        rss["after"] = sampler.rss_now()
        server_log = server.log_tail(LOG_CHARS)
    finally:
        sampler.stop()
        app_server.stop_app(server)
    load["end"] = os.getloadavg()
    return report(args, url_path, sessions, sampler, rss, load, (log_open, server_log[len(log_open) :]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions at once (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="auto-run time of each session (default 60)")
    parser.add_argument("--fps", type=int, default=5, help="frames per second requested in the link (default 5)")
    parser.add_argument("--query", default=DEFAULT_QUERY, help=f"link settings besides fps (default {DEFAULT_QUERY})")
    parser.add_argument("--quick", action="store_true", help="5 sessions for 15 s")
    parser.add_argument("--load-timeout", type=float, default=120.0, help="seconds allowed for all pages to load")
    parser.add_argument(
        "--after-close", type=float, default=10.0, help="seconds to wait after closing for the last RSS"
    )
    parser.add_argument("--settle", type=float, default=3.0, help="seconds the idle server runs before 'before' RSS")
    parser.add_argument(
        "--warm-up",
        action="store_true",
        help="load the page once before measuring 'before', so memory growth leaves out the app's imports "
        "(that session's state stays on the server for its disconnectedSessionTTL)",
    )
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.seconds = 5, 15.0
    if not Path("/proc/self/stat").exists():
        sys.exit("bench.load reads the server's CPU and memory from /proc: Linux only")
    if reason := app_server.missing_requirements():
        sys.exit(f"bench.load needs a browser: {reason}")
    sys.exit(0 if run(args) else 1)


if __name__ == "__main__":
    main()
