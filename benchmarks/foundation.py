"""Foundation benchmarks: what the embedded target costs, printed as a Markdown table.

    python benchmarks/foundation.py            # full run (a few minutes)
    python benchmarks/foundation.py --quick    # smaller samples
    python benchmarks/foundation.py --profile  # also cProfile each benchmark (slower; numbers skewed)

Measures, each reported as median / p90 / n against a target:

1. in-process invoke overhead: a warm ``cloud.plane.invoke`` (the path event sources use) of a
   handler that returns at once, wall time minus the handler's own measured time; plus, for
   reference, a boto3 ``lambda.invoke`` round trip through moto;
2. one 1-megapixel PNG from PutObject until ``cloud.drain()`` returns with all three outputs
   (thumbnail, JPEG, ZIP) written, file-conversion on ``Cloud.embedded()`` (virtual clock: the
   1 s batching window costs virtual time, not real time);
3. ``python samplecli.py run file-conversion`` and ``run order-workflow`` (its hour-long waits on
   the virtual clock) from a cold interpreter: wall seconds and the child's CPU seconds (user +
   sys; on a loaded machine the wall time mostly measures the load); the SAM transform cache is
   a fresh folder, filled by a first run reported apart. ``--baseline DIR`` alternates each run
   with one from another checkout: before and after under the same load.

The PNG rows also report CPU per upload (the process's, all threads), for the same reason.

Exits 0 when every benchmark ran and checked out (a missed target is reported, not an error);
1 when a benchmark could not produce a valid measurement.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- statistics -------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); fine for n >= 1."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Row:
    name: str
    samples: list[float]
    unit: str  # "ms" or "s"
    target: float | None  # a median target in ``unit``; None: reference only
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # a failed check: the measurement is not valid

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        return percentile(self.samples, 0.9)

    def meets(self) -> str:
        if self.error:
            return f"**invalid**: {self.error}"
        if self.target is None:
            return "n/a (reference)"
        return "yes" if self.median <= self.target else "**no**"

    def cells(self) -> list[str]:
        fmt = (lambda v: f"{v:.3f} ms") if self.unit == "ms" else (lambda v: f"{v:.2f} s")
        if not self.samples:
            return [self.name, "—", "—", "0", self._target_cell(), self.meets()]
        return [self.name, fmt(self.median), fmt(self.p90), str(len(self.samples)), self._target_cell(), self.meets()]

    def _target_cell(self) -> str:
        if self.target is None:
            return "—"
        return f"≤ {self.target:g} {self.unit} median"


# -- profiling (--profile): cProfile in the calling thread and in every thread started meanwhile

class ThreadsProfile:
    """cProfile for the main thread plus every thread started while active (the Lambda workers).

    Only for --profile: the Executor runs handlers on pool threads, which a plain cProfile in
    the main thread does not see. Threads that already exist (a warm pool) are reached with
    ``attach_pool``.
    """

    def __init__(self) -> None:
        self.profiles: dict[int, cProfile.Profile] = {}
        self._lock = threading.Lock()

    def _start_in_thread(self, *args: Any) -> None:
        ident = threading.get_ident()
        with self._lock:
            if ident in self.profiles:
                return
            profile = self.profiles[ident] = cProfile.Profile()
        profile.enable()  # replaces this thread's setprofile hook with cProfile's

    def _stop_in_thread(self) -> None:
        profile = self.profiles.get(threading.get_ident())
        if profile is not None:
            profile.disable()

    def _on_every_worker(self, pool: Any, action: Callable[[], None]) -> None:
        workers = pool._max_workers  # profiling only: one task per worker thread, held at a barrier
        barrier = threading.Barrier(workers)

        def task() -> None:
            barrier.wait(timeout=30)
            action()

        for future in [pool.submit(task) for _ in range(workers)]:
            future.result()

    def attach_pool(self, pool: Any) -> None:
        self._on_every_worker(pool, self._start_in_thread)

    def detach_pool(self, pool: Any) -> None:
        self._on_every_worker(pool, self._stop_in_thread)

    def __enter__(self) -> "ThreadsProfile":
        threading.setprofile(self._start_in_thread)
        self._start_in_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_in_thread()
        threading.setprofile(None)  # type: ignore[arg-type]

    def stats(self) -> pstats.Stats:
        stats = pstats.Stats(stream=io.StringIO())
        for profile in list(self.profiles.values()):
            try:
                stats.add(profile)
            except (TypeError, ValueError):  # a thread that never recorded anything
                pass
        return stats


def project_label(filename: str) -> str | None:
    """infra/... or functions/... for the project's own code (handlers run from extracted zips)."""
    path = filename.replace("\\", "/")
    root = str(ROOT).replace("\\", "/") + "/"
    if path.startswith(root):
        relative = path[len(root):]
        if relative.startswith(("infra/", "functions/", "patterns/")) or relative == "samplecli.py":
            return relative
        return None
    if "toolkit-lambda-code-" in path:  # a deployed zip of functions/<pattern>/, unpacked
        return "functions/(deployed)/" + path.split("toolkit-lambda-code-", 1)[1].split("/", 2)[-1]
    return None


def project_hotspots(stats: pstats.Stats, top: int) -> list[str]:
    rows = []
    for (filename, line, function), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = project_label(filename)
        if label is not None:
            rows.append((cumtime, tottime, ncalls, f"{label}:{line} {function}"))
    rows.sort(reverse=True)
    return [f"  {cum * 1000:10.1f} ms cum  {tot * 1000:9.1f} ms own  {n:>7} calls  {where}"
            for cum, tot, n, where in rows[:top]]


# -- 1. invoke overhead -------------------------------------------------------------------------

NOOP_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  NoopFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: noop/
      Runtime: python3.12
      Handler: noop.handler
      Timeout: 30
"""

NOOP_HANDLER = '''\
import time

def handler(event, context):
    entered = time.perf_counter()
    exited = time.perf_counter()
    return {"entered": entered, "exited": exited}
'''


def deploy_noop(cloud: Any, folder: Path) -> str:
    (folder / "noop").mkdir()
    (folder / "noop" / "noop.py").write_text(NOOP_HANDLER)
    template = folder / "template.yaml"
    template.write_text(NOOP_TEMPLATE)
    stack = cloud.deploy("bench", template=template, stack_name="bench")
    names = [r.physical_id for r in stack.resources if r.type == "AWS::Lambda::Function"]
    if len(names) != 1:
        raise RuntimeError(f"expected one function in the bench stack, got {names}")
    return names[0]


def bench_invoke(n_plane: int, n_boto: int, profile: bool) -> tuple[list[Row], list[str]]:
    from infra.cloud import Cloud

    hotspots: list[str] = []
    plane_row = Row("In-process invoke overhead beyond the handler (`cloud.plane.invoke`, warm)", [], "ms", 1.0)
    boto_row = Row("Direct boto3 `lambda.invoke` round trip through moto (warm, incl. handler)", [], "ms", None)
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as tmp, Cloud.embedded() as cloud:
        name = deploy_noop(cloud, Path(tmp))
        event = {"benchmark": "noop"}
        cold = cloud.plane.invoke(name, event)
        if cold["function_error"] or not cold["cold_start"]:
            raise RuntimeError(f"the first invocation should be a successful cold start: {cold}")
        for _ in range(20):  # warm-up
            cloud.plane.invoke(name, event)

        def plane_loop(n: int) -> tuple[list[float], list[float]]:
            overheads, handler_ms = [], []
            for _ in range(n):
                started = time.perf_counter()
                result = cloud.plane.invoke(name, event)
                wall = time.perf_counter() - started
                payload = result["payload"]
                if result["function_error"] or result["cold_start"]:
                    raise RuntimeError(f"a warm invocation failed or was cold: {result}")
                inside = payload["exited"] - payload["entered"]
                overheads.append((wall - inside) * 1000)
                handler_ms.append(inside * 1000)
            return overheads, handler_ms

        gc.collect()
        plane_row.samples, handler_ms = plane_loop(n_plane)
        half = len(plane_row.samples) // 2
        plane_row.notes.append(
            f"handler's own time median {statistics.median(handler_ms) * 1000:.1f} µs; overhead median first half "
            f"{statistics.median(plane_row.samples[:half]):.3f} ms vs second half "
            f"{statistics.median(plane_row.samples[half:]):.3f} ms (drift as logs/records accumulate)")

        lam = cloud.client("lambda")
        body = json.dumps(event).encode()

        def boto_loop(n: int) -> list[float]:
            walls = []
            for _ in range(n):
                started = time.perf_counter()
                response = lam.invoke(FunctionName=name, Payload=body)
                payload = json.loads(response["Payload"].read())
                walls.append((time.perf_counter() - started) * 1000)
                if response.get("FunctionError") or "entered" not in payload:
                    raise RuntimeError(f"lambda.invoke failed: {response.get('FunctionError')} {payload}")
            return walls

        boto_loop(10)  # warm-up
        gc.collect()
        boto_row.samples = boto_loop(n_boto)

        if profile:
            calls = min(n_plane, 300)
            pool = cloud.plane.executor._workers  # profiling only
            with ThreadsProfile() as prof:
                prof.attach_pool(pool)
                plane_loop(calls)
                prof.detach_pool(pool)
            hotspots = [f"`cloud.plane.invoke` of the no-op handler ({calls} warm calls), project code by "
                        "cumulative time (all threads):", *project_hotspots(prof.stats(), 12)]
    return [plane_row, boto_row], hotspots


# -- 2. one PNG through file-conversion ---------------------------------------------------------

def output_keys(key: str) -> list[str]:
    """The three outputs for a ``.png`` input key (see functions/file_conversion/fileconv/keys.py)."""
    return [f"thumbnails/{key}", f"jpeg/{key[: -len('.png')]}.jpg", f"zip/{key}.zip"]


def bench_png(n: int, profile: bool, photo_like: bool) -> tuple[list[Row], list[str]]:
    from functions.file_conversion.fileconv import samples
    from infra.cloud import Cloud
    from infra.compute.clock import VirtualClock

    kind = "photo-like (gradient + grain)" if photo_like else "smooth gradient"
    row = Row(f"1-megapixel PNG, {kind}: PutObject → thumbnail + JPEG + ZIP written (embedded, warm)",
              [], "ms", 250.0)
    cpu_row = Row(f"1-megapixel PNG, {kind}: the same, CPU of the process (all threads)", [], "ms", None)
    hotspots: list[str] = []
    png = samples.make_photo_like_png(1000, 1000) if photo_like else samples.make_png(1000, 1000)
    with Cloud.embedded() as cloud:
        if not isinstance(cloud.clock, VirtualClock):
            raise RuntimeError("expected Cloud.embedded() to default to a VirtualClock")
        stack = cloud.deploy("file-conversion")
        s3 = cloud.client("s3")
        upload, output = stack.outputs["UploadBucketName"], stack.outputs["OutputBucketName"]
        virtual_advances: list[float] = []

        cpu_ms: list[float] = []

        def one(key: str) -> float:
            virtual_before = cloud.clock.now()
            started, cpu_started = time.perf_counter(), time.process_time()
            s3.put_object(Bucket=upload, Key=key, Body=png)
            cloud.drain()
            elapsed = time.perf_counter() - started
            cpu_ms.append((time.process_time() - cpu_started) * 1000)
            virtual_advances.append(cloud.clock.now() - virtual_before)
            for out in output_keys(key):  # checked after the timer stopped
                s3.head_object(Bucket=output, Key=out)  # raises if missing
            return elapsed * 1000

        cold_ms = one("bench/cold.png")  # cold starts of the three functions (imports Pillow, ...)
        one("bench/warm-up.png")
        virtual_advances.clear()
        gc.collect()
        cpu_ms.clear()
        for i in range(n):
            row.samples.append(one(f"bench/{i:03d}.png"))
        cpu_row.samples = list(cpu_ms)

        failures = [o["Key"] for o in s3.list_objects_v2(Bucket=output, Prefix="failed/").get("Contents", [])]
        sqs = cloud.client("sqs")
        dlq = {name: int(sqs.get_queue_attributes(QueueUrl=stack.outputs[f"{name}DLQUrl"],
                                                  AttributeNames=["ApproximateNumberOfMessages"])
                         ["Attributes"]["ApproximateNumberOfMessages"]) for name in ("Thumbnail", "PngToJpeg", "Zip")}
        errors = [i for i in cloud.plane.executor.invocations if i["error"]]
        if failures or any(dlq.values()) or errors:
            row.error = f"failure records {failures}, DLQ depths {dlq}, {len(errors)} failed invocations"
        per_function: dict[str, list[float]] = {}
        for item in cloud.plane.executor.invocations[-3 * n:]:
            per_function.setdefault(item["function"].split("-")[-2], []).append(item["duration_ms"])
        row.notes.append(f"PNG input {len(png) / 1e6:.2f} MB; cold first upload {cold_ms:.0f} ms (not in the sample)")
        low, high = min(virtual_advances), max(virtual_advances)
        spread = f"{low:g} s" if low == high else f"{low:g}–{high:g} s"
        row.notes.append(f"virtual time advanced per upload: {spread} (the 1 s batching window, spent on the "
                         "VirtualClock, not in real time)")
        row.notes.append("handler duration medians (executor record): " + ", ".join(
            f"{fn} {statistics.median(d):.0f} ms" for fn, d in sorted(per_function.items())))
        if profile:
            pool = cloud.plane.executor._workers  # profiling only
            with ThreadsProfile() as prof:
                prof.attach_pool(pool)
                for i in range(min(n, 10)):
                    one(f"bench/profiled-{i:03d}.png")
                prof.detach_pool(pool)
            hotspots = [f"PutObject → drain of one 1 MP PNG ({min(n, 10)} uploads), project code by cumulative time "
                        "(all threads):", *project_hotspots(prof.stats(), 15)]
    return [row, cpu_row], hotspots


# -- 3. samplecli run from a cold interpreter ----------------------------------------------------

@dataclass
class ColdRun:
    wall: float
    cpu: float  # user + system seconds of the child process
    stdout: str
    stderr: str
    returncode: int


def cold_run(root: Path, pattern: str, env: dict[str, str] | None = None) -> ColdRun:
    """``python samplecli.py run PATTERN`` in a new interpreter, from ``root`` (its code is imported)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "samplecli.py", "run", pattern], cwd=root, capture_output=True,
                          text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ColdRun(wall, cpu, done.stdout, done.stderr, done.returncode)


# (pattern, wall target in s): issue 17 asks 3 s for file-conversion, issue 11 under 10 s for
# order-workflow (its hour-long waits on the virtual clock)
COLD_PATTERNS = (("file-conversion", 3.0), ("order-workflow", 10.0))


def bench_cli(n: int, profile: bool, baseline: Path | None = None) -> tuple[list[Row], list[str]]:
    """Each pattern ``n`` times from a cold interpreter, wall and CPU; the SAM transform cache in a
    fresh folder, so the first run of each pattern translates (reported apart) and the others
    find it. With ``baseline`` (another checkout), its runs alternate with these, same conditions."""
    rows: list[Row] = []
    hotspots: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        env = {**os.environ, "TOOLKIT_CACHE_DIR": cache}
        trees = [("", ROOT)] + ([(f" — baseline {baseline}", baseline)] if baseline else [])
        for pattern, target in COLD_PATTERNS:
            first = cold_run(ROOT, pattern, env)  # fills the transform cache
            walls: dict[str, Row] = {}
            cpus: dict[str, Row] = {}
            for label, _ in trees:
                walls[label] = Row(f"`python samplecli.py run {pattern}`, cold interpreter (wall){label}", [], "s",
                                   target)
                cpus[label] = Row(f"`python samplecli.py run {pattern}`, cold interpreter (CPU: user + sys){label}",
                                  [], "s", None)
            for _ in range(n):
                for label, root in trees:
                    run = cold_run(root, pattern, env)
                    walls[label].samples.append(run.wall)
                    cpus[label].samples.append(run.cpu)
                    if run.returncode != 0:
                        tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["(no output)"]
                        walls[label].error = f"exit code {run.returncode}: {tail[0]}"
                    elif not label:
                        walls[label].notes = [line.strip() for line in run.stdout.splitlines()
                                              if line.startswith(("deployed ", "done in "))]
            walls[""].notes.append(f"first run, empty SAM transform cache: {first.wall:.2f} s wall, "
                                   f"{first.cpu:.2f} s CPU (not in the sample)")
            for label, _ in trees:
                rows += [walls[label], cpus[label]]
    if profile:
        with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
            out = Path(tmp) / "cli.prof"
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--profile-cli-into", str(out)],
                           cwd=ROOT, capture_output=True, text=True, check=True)
            hotspots = ["`samplecli.py run file-conversion` from a cold interpreter, project code by cumulative "
                        "time (all threads; imports included):",
                        *project_hotspots(pstats.Stats(str(out), stream=io.StringIO()), 15)]
    return rows, hotspots


def profile_cli(out: Path) -> int:
    """``samplecli.py run file-conversion`` in this (fresh) interpreter under ThreadsProfile."""
    os.chdir(ROOT)
    with ThreadsProfile() as prof:
        import samplecli

        code = samplecli.main(["run", "file-conversion"], out=io.StringIO())
    prof.stats().dump_stats(str(out))
    return code


# -- report ------------------------------------------------------------------------------------

def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpu = f"{os.cpu_count()} cores" + (f" ({model})" if model else "")
    return (f"- machine: {cpu}, {platform.platform()}\n"
            f"- Python {platform.python_version()} ({platform.python_implementation()})\n"
            f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n"
            f"- code: {code_state()}\n"
            f"- load average at start: {load_average()}")


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "unknown"


def code_state() -> str:
    """The commit, and which project files differ from it (benchmarks run against the working tree)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changed = [line[3:] for line in git("status", "--porcelain", "--", "infra", "functions", "patterns",
                                             "samplecli.py").splitlines()]
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if not commit:
        return "unknown (no git)"
    return f"commit {commit}" + (f" + uncommitted changes in {', '.join(changed)}" if changed else " (clean)")


def table(rows: list[Row]) -> str:
    header = ["benchmark", "median", "p90", "n", "target", "meets target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * 3 + ["---"] * 2) + "|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (200 / 100 / 5 / 2)")
    parser.add_argument("--profile", action="store_true",
                        help="after measuring, cProfile each benchmark and print project hotspots")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="another checkout (e.g. git worktree add /tmp/base HEAD~3): its cold CLI runs "
                             "alternate with this one's, for a before/after in the same conditions")
    parser.add_argument("--only", choices=("invoke", "png", "photo", "cli"), action="append",
                        help="run only these benchmarks (repeatable; default: all)")
    parser.add_argument("--profile-cli-into", type=Path, help=argparse.SUPPRESS)  # internal: see bench_cli
    args = parser.parse_args(argv)
    if args.profile_cli_into:
        return profile_cli(args.profile_cli_into)
    n_plane, n_boto, n_png, n_cli = (200, 100, 5, 2) if args.quick else (2000, 500, 20, 3)

    print(f"# Foundation benchmarks{' (--quick)' if args.quick else ''}\n", flush=True)
    print(machine() + "\n", flush=True)
    rows: list[Row] = []
    hotspots: list[str] = []
    steps: list[tuple[str, str, Callable[[], tuple[list[Row], list[str]]]]] = [
        ("invoke", "invoke overhead", lambda: bench_invoke(n_plane, n_boto, args.profile)),
        ("png", "1 MP PNG through file-conversion", lambda: bench_png(n_png, args.profile, photo_like=False)),
        ("photo", "1 MP photo-like PNG through file-conversion",
         lambda: bench_png(n_png, args.profile, photo_like=True)),
        ("cli", "samplecli run, cold", lambda: bench_cli(n_cli, args.profile, args.baseline)),
    ]
    for key, label, step in steps:
        if args.only and key not in args.only:
            continue
        print(f"running: {label}...", file=sys.stderr, flush=True)
        new_rows, new_hotspots = step()
        rows += new_rows
        hotspots += new_hotspots + ([""] if new_hotspots else [])

    print(table(rows) + "\n")
    print(f"- load average at end: {load_average()}\n")
    print("Notes:")
    for row in rows:
        for note in row.notes:
            print(f"- {row.name.split(' (')[0]}: {note}")
    print("- p90 is linear interpolation between closest ranks; invoke overhead = wall time of "
          "`plane.invoke` minus the handler's own perf_counter span; PNG time stops when `cloud.drain()` "
          "returns, the three outputs are then verified with HeadObject (untimed).")
    if hotspots:
        print("\n## Profile (--profile)\n\n```")
        print("\n".join(hotspots).rstrip())
        print("```")
    return 1 if any(row.error for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
