"""Drive a Jupyter kernel directly over ZMQ with jupyter_client (no server in
between) and print one JSON object on stdout. Used by bench/kernel.ts.

  python kernel_direct.py rtt KERNEL... --runs N [--warmup W] [--starts S]
      per kernel: cold start → first result (ms, median of S; spares off),
      for cdlab also the start from a warm spare (ms, median of S, after one
      unmeasured start that leaves the first spare; the other kernels' cold
      starts again beside it), shutdown for a
      restart right after a start → old process gone (ms, median of S), N trivial-cell
      round trips (ms, the kernels taking turns), resident memory after
      start (KiB, the kernel's process tree)
  python kernel_direct.py notebooks KERNEL NB.ipynb...
      per notebook: wall time start → last cell (ms), cells, errors, resident
      memory after the last cell (KiB)

Kernelspecs come from JUPYTER_PATH, set by the caller.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import zmq
from jupyter_client.manager import KernelManager

try:  # registered in .venv by scripts/setup.js
    from cdlab_jupyter.provisioner import discard_spare, spare_pid
except ImportError:  # pragma: no cover
    discard_spare, spare_pid = (lambda: None), (lambda: None)

JSON_PREFIX = "CDLAB_BENCH_JSON "
TIMEOUT_S = float(os.environ.get("CDLAB_BENCH_CELL_TIMEOUT", "120"))


def tree_rss_kib(pid: int) -> int:
    """VmRSS of `pid` and its descendants, from /proc, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


IDLE_GRACE_S = 2.0


def run_cell(kc, code: str, timeout_s: float = TIMEOUT_S) -> dict:
    """Execute `code` and wait for both its reply (shell) and its idle status
    (iopub), in any order. Returns the reply's status, whether any output was
    an error, and `lost_idle` when the reply came but the idle status did not
    within IDLE_GRACE_S (plain tslab 1.0.22 drops one now and then); raises
    TimeoutError, naming what arrived, when there is no reply in `timeout_s`."""
    msg_id = kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
    deadline = time.monotonic() + timeout_s
    poller = zmq.Poller()
    iopub, shell = kc.iopub_channel.socket, kc.shell_channel.socket
    poller.register(iopub, zmq.POLLIN)
    poller.register(shell, zmq.POLLIN)
    reply = None
    idle = False
    error_output = False
    seen: list[str] = []
    while reply is None or not idle:
        left = deadline - time.monotonic()
        if left <= 0 and reply is not None:
            return {"status": reply["status"], "error_output": error_output, "ename": reply.get("ename"), "lost_idle": True}
        if left <= 0:
            raise TimeoutError(f"cell did not finish in {timeout_s:.0f} s: {code[:60]!r} (got: {', '.join(seen) or 'nothing'})")
        ready = dict(poller.poll(left * 1000))
        if iopub in ready:
            msg = kc.get_iopub_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id:
                kind = msg["msg_type"]
                seen.append(f"{kind}({msg['content'].get('execution_state')})" if kind == "status" else kind)
                if kind == "error":
                    error_output = True
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
        if shell in ready:
            msg = kc.get_shell_msg(timeout=0)
            if msg["parent_header"].get("msg_id") == msg_id:
                seen.append("reply")
                reply = msg["content"]
                deadline = min(deadline, time.monotonic() + IDLE_GRACE_S)
    return {"status": reply["status"], "error_output": error_output, "ename": reply.get("ename"), "lost_idle": False}


def start(kernel: str, cwd: str | None = None):
    km = KernelManager(kernel_name=kernel)
    # The kernel's own output must not mix with our JSON on stdout.
    kwargs = {"stdout": sys.stderr.fileno(), "stderr": sys.stderr.fileno()}
    km.start_kernel(cwd=cwd, **kwargs) if cwd else km.start_kernel(**kwargs)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT_S)
    return km, kc


def stop(km, kc) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def restart_ms(kernel: str) -> float:
    """Start `kernel`, wait for its kernel_info (as a client does), ask it to
    shut down for a restart and time until its process is gone (ms): a
    restart clicked right after a start waits that long for the old kernel."""
    km, kc = start(kernel)
    t0 = time.perf_counter()
    kc.shutdown(restart=True)
    proc = km.provisioner.process
    while proc.poll() is None and time.perf_counter() - t0 < 30:
        time.sleep(0.005)
    ms = (time.perf_counter() - t0) * 1000
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return ms


def kernel_pid(km) -> int:
    return km.provisioner.process.pid


def spares(enabled: bool) -> None:
    """Turn cdlab's warm spare on or off for the next starts (the provisioner
    reads CDLAB_KERNEL_SPARE at each launch); off also kills the waiting one."""
    if enabled:
        os.environ.pop("CDLAB_KERNEL_SPARE", None)
    else:
        os.environ["CDLAB_KERNEL_SPARE"] = "0"
        discard_spare()


def cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def wait_spare_loaded(timeout_s: float = 60.0) -> int | None:
    """Wait until the waiting spare exists and has stopped using CPU (its load
    is done: a user's next start comes seconds or minutes later); its pid."""
    deadline = time.monotonic() + timeout_s
    last, still = None, 0
    while time.monotonic() < deadline:
        pid = spare_pid()
        ticks = cpu_ticks(pid) if pid else None
        still = still + 1 if ticks is not None and ticks == last else 0
        if still >= 5:
            return pid
        last = ticks
        time.sleep(0.1)
    return None


def warm_starts_ms(kernel: str, others: list[str], starts: int) -> dict[str, list[float]]:
    """Start → first result of `kernel` from a warm spare, `starts` times (one
    unmeasured start first leaves the spare, each measured one the next), and
    beside each, once the spare is loaded, a start of each of `others` (they
    have no spare: cold), so that both see the same load."""
    spares(True)
    out: dict[str, list[float]] = {k: [] for k in [kernel, *others]}
    try:
        stop(*start(kernel))
        for _ in range(starts):
            if wait_spare_loaded() is None:
                break
            for k in [*others, kernel]:  # the spare's claim last: its successor loads after every timed start
                t0 = time.perf_counter()
                km, kc = start(k)
                run_cell(kc, "1 + 1")
                out[k].append((time.perf_counter() - t0) * 1000)
                stop(km, kc)
    finally:
        spares(False)
    return out


def cmd_rtt(kernels: list[str], runs: int, warmup: int, starts: int) -> dict:
    """Start each kernel `starts` times, in turns (start → first result; the
    median is reported), keep the last instances, then time `runs` trivial
    cells taking turns between the kernels, so that the machine's load at any
    moment weighs on every kernel alike."""
    out: dict[str, dict] = {k: {"kernel": k, "start_ms_all": [], "rtt_ms": [], "lost_idle": 0} for k in kernels}
    live: dict[str, tuple] = {}
    spares(False)  # cold starts, and no spare loading while anything else is timed
    try:
        for rep in range(starts):
            for k in kernels:
                t0 = time.perf_counter()
                km, kc = start(k)
                first = run_cell(kc, "1 + 1")
                out[k]["start_ms_all"].append((time.perf_counter() - t0) * 1000)
                out[k]["first_status"] = first["status"]
                if rep == starts - 1:
                    live[k] = (km, kc)
                else:
                    stop(km, kc)
        if "cdlab" in kernels:
            beside = warm_starts_ms("cdlab", [k for k in kernels if k != "cdlab"], starts)
            for k, ms in beside.items():
                key = "warm_start_ms" if k == "cdlab" else "start_beside_warm_ms"
                out[k][key + "_all"] = ms
                out[k][key] = sorted(ms)[len(ms) // 2] if ms else None
        for rep in range(starts):
            for k in kernels:
                out[k].setdefault("restart_ms_all", []).append(restart_ms(k))
        for k in kernels:
            out[k]["restart_ms"] = sorted(out[k]["restart_ms_all"])[len(out[k]["restart_ms_all"]) // 2]
        for k, (km, _) in live.items():
            out[k]["rss_start_kib"] = tree_rss_kib(kernel_pid(km))
            out[k]["start_ms"] = sorted(out[k]["start_ms_all"])[len(out[k]["start_ms_all"]) // 2]
        for _ in range(warmup):
            for k, (_, kc) in live.items():
                run_cell(kc, "1")
        for _ in range(runs):
            for k, (_, kc) in live.items():
                t = time.perf_counter()
                r = run_cell(kc, "1")
                if r["lost_idle"]:
                    out[k]["lost_idle"] += 1  # not a round trip: its time is the grace period
                else:
                    out[k]["rtt_ms"].append((time.perf_counter() - t) * 1000)
        return {"kernels": out}
    finally:
        for km, kc in live.values():
            stop(km, kc)


def code_cells(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if src.strip():
            out.append(src)
    return out


def cmd_notebooks(kernel: str, paths: list[str]) -> dict:
    results = []
    for path in paths:
        cells = code_cells(path)
        t0 = time.perf_counter()
        km, kc = start(kernel, cwd=os.path.dirname(os.path.abspath(path)))
        start_ms = (time.perf_counter() - t0) * 1000
        errors = []
        try:
            for i, code in enumerate(cells):
                r = run_cell(kc, code)
                if r["status"] != "ok" or r["error_output"]:
                    errors.append({"cell": i + 1, "ename": r["ename"]})
            total_ms = (time.perf_counter() - t0) * 1000
            rss = tree_rss_kib(kernel_pid(km))
        except TimeoutError as e:
            total_ms, rss = None, None
            errors.append({"cell": None, "ename": str(e)})
        finally:
            stop(km, kc)
        results.append({"notebook": path, "cells": len(cells), "start_ms": start_ms, "total_ms": total_ms, "errors": errors, "rss_end_kib": rss})
    return {"kernel": kernel, "notebooks": results}


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rtt")
    r.add_argument("kernels", nargs="+")
    r.add_argument("--runs", type=int, default=200)
    r.add_argument("--warmup", type=int, default=20)
    r.add_argument("--starts", type=int, default=1)
    n = sub.add_parser("notebooks")
    n.add_argument("kernel")
    n.add_argument("paths", nargs="+")
    a = ap.parse_args()
    out = cmd_rtt(a.kernels, a.runs, a.warmup, a.starts) if a.cmd == "rtt" else cmd_notebooks(a.kernel, a.paths)
    sys.stdout.write(JSON_PREFIX + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
