"""Scan throughput and memory at scale, per stage, with two references measured in the same run.

    python benchmarks/bench_scan.py --sizes 10000 100000 1000000 --runs 3

For each size and export format (X archive, Instagram) a simulated export is written once
(benchmarks/out/data/, git-ignored), then each run happens in a fresh subprocess (so its peaks
are that run's): load -> join -> features -> model -> write CSV (to memory), each stage timed;
``total_s`` is their sum (``startup_s``, imports and loading the model, is reported beside it).
Memory: ``peak_mem_mib`` is the peak physical memory of the scan and the workers it forks
together (the sum of their PSS, sampled every 50 ms, see :class:`MemorySampler`): a forked
worker's own RSS also counts every page it shares with the scan, so RSS sums would count those
twice. ``peak_rss_mib`` is the scan process's own peak RSS (VmHWM) beside it.
References, on the same data and in the same run:

- bare parse: read the export's message files and orjson-parse each one whole, with the garbage
  collector off, and nothing else; ``scan_over_bare_parse`` = total_s / bare_parse_s;
- naive peer: a character n-gram TF-IDF + logistic regression (trained on the corpus) that
  transforms and scores every incoming text, one by one, with no per-distinct-text caching;
  it is timed on at most ``--naive-max-texts`` of the incoming texts (its cost is linear in
  them). ``speedup_vs_naive_peer`` compares messages scored per second: ours end to end (load
  to CSV) over the scored rows, the peer's on transform + predict only (loading is free for it).

**Simulated exports reuse the corpus texts** (a few thousand distinct texts however many
messages), and autodm does its text work (features, TF-IDF) once per distinct text, so that
work is nearly free here. ``--unique-sizes`` (default 100000) also scans an X export where every
text is made unique (a random suffix word appended), the worst case for that caching: rows with
format ``x-unique``. Medians of the runs are printed as a table and written to
benchmarks/out/bench_scan.json.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

OUT = Path("benchmarks/out")
STAGES = ("load", "join", "features", "model", "write")


def rss_mib() -> float:
    """Peak RSS of this process alone: ``VmHWM``, the high-water mark of this process image.

    Not ``ru_maxrss``: Linux carries that across fork and exec, so a scan started by this script
    after it wrote a 1M-message export reported the script's own gigabyte. (A forked child's RSS
    would also count the pages it shares with this process, so adding the two overstates what
    the machine holds: see :class:`MemorySampler`.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pss_kib(pid: int) -> int:
    """The process's proportional set size: each page divided among the processes sharing it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from each ``/proc/<n>/stat``: kernels without
    CONFIG_PROC_CHILDREN have no ``/proc/<pid>/task/<tid>/children``)."""
    out: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # the name, in (), may hold spaces
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class MemorySampler:
    """Peak physical memory of this process and its children (the scan's forked workers) together.

    Every ``interval`` seconds a thread adds up their PSS from ``/proc/<pid>/smaps_rollup``: a
    page two processes share counts half in each, so the sum is what they hold at once. ``peak``
    is in MiB; a spike shorter than the interval can be missed (the peak RSS of this process alone
    is reported beside it). Where /proc has no smaps_rollup, ``peak`` stays 0.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak = interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def sample(self) -> float:
        me = os.getpid()
        todo, total = [me], 0
        while todo:
            pid = todo.pop()
            total += _pss_kib(pid)
            todo += _children(pid)
        self.peak = max(self.peak, total / 1024)
        return self.peak

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def make_export(fmt: str, n: int, folder: Path, unique: bool = False) -> Path:
    """Write (once) a simulated export of about ``n`` messages; ``unique``: every text distinct."""
    from autodm.bundled import CORPUS, bundled_path
    from autodm.corpus import MESSAGES, load_corpus
    from autodm.simulate.timeline import SimConfig, simulate_inbox

    folder.mkdir(parents=True, exist_ok=True)
    # the digest of the corpus and the simulator in the name: a rebuilt corpus or a changed
    # simulator (timelines, follow lists) never reuses exports made by the old one
    import autodm.simulate

    digest = hashlib.sha256(bundled_path(CORPUS, MESSAGES).read_bytes())
    for source in sorted(Path(autodm.simulate.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    tag = digest.hexdigest()[:8]
    path = folder / f"{fmt}-{n}{'-unique' if unique else ''}-{tag}.zip"
    if path.exists():
        return path
    inbox, _ = simulate_inbox(load_corpus(), n, seed=n, config=SimConfig(platform=fmt))
    if unique:
        inbox.messages["text"] = _unique_texts(inbox.messages["text"], seed=n)
    tmp = path.with_suffix(".partial.zip")
    if fmt == "x":
        from autodm.simulate.x import write_x_archive

        write_x_archive(inbox, tmp)
    else:
        from autodm.simulate.meta import write_instagram_export

        write_instagram_export(inbox, tmp)
    tmp.replace(path)  # an interrupted run leaves no half export behind
    return path


def _unique_texts(texts: Any, seed: int) -> Any:
    """Each text with a random lowercase suffix word, so no two texts (or suffix words) repeat."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = pd.Series(["".join(w) for w in letters[rng.integers(0, 26, size=(len(texts), 10))]],
                      index=texts.index, dtype=object)
    return texts.fillna("").astype(str) + " " + words


def run_scan(path: str) -> dict[str, Any]:
    """One timed scan (called in a subprocess): the same calls as ``autodm scan --format csv``."""
    t0 = time.perf_counter()
    import io

    from autodm import model as mdl
    from autodm import output
    from autodm.inbox import join_follows
    from autodm.loaders import load_inbox
    from autodm.scan import export_rows, owner_names, scored_mask

    model = mdl.load()
    startup = time.perf_counter() - t0
    times: dict[str, float] = {}
    mem: dict[str, float] = {}
    with MemorySampler() as sampler:
        t = time.perf_counter()
        inbox = load_inbox([Path(path)])
        times["load"], mem["load"] = time.perf_counter() - t, sampler.sample()
        t = time.perf_counter()
        joined = join_follows(inbox, outgoing=False)  # as scan without --include-outgoing
        times["join"], mem["join"] = time.perf_counter() - t, sampler.sample()
        t = time.perf_counter()
        frame = mdl.design_frame(joined, owner_names=owner_names(inbox), has_follows=len(inbox.follows) > 0,
                                 outgoing=False)
        times["features"], mem["features"] = time.perf_counter() - t, sampler.sample()
        t = time.perf_counter()
        rows = export_rows(joined, frame, model, scored_mask(joined))
        times["model"], mem["model"] = time.perf_counter() - t, sampler.sample()
        t = time.perf_counter()
        output.write(rows, "csv", None, stream=io.BytesIO())
        times["write"] = time.perf_counter() - t
    mem["write"] = sampler.peak
    return {"messages": len(inbox.messages), "scored": len(rows), "distinct_texts": int(rows["text"].nunique()),
            "times": times, "peak_mem_mib": mem, "rss_mib": rss_mib(), "startup_s": startup}


def run_bare_parse(path: str) -> dict[str, Any]:
    """Read and orjson-parse the export's message files, gc off; nothing else."""
    import orjson

    from autodm.loaders.tree import ExportTree

    t = time.perf_counter()
    tree = ExportTree.open([Path(path)])
    members = tree.match(r"direct-messages?(-group)?(-part\d+)?\.js$") or tree.match(r"message_\d+\.json$")
    gc.disable()
    n = 0
    for m in members:
        data = tree.read_bytes(m)
        if data.startswith(b"window."):
            data = data[data.index(b"=") + 1:]
        doc = orjson.loads(data)
        n += len(doc)
    gc.enable()
    return {"seconds": time.perf_counter() - t, "documents": n, "rss_mib": rss_mib()}


def run_naive(path: str, max_texts: int = 50_000) -> dict[str, Any]:
    """Char n-gram TF-IDF + logistic regression scoring (up to ``max_texts`` of) the incoming texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from autodm.corpus import load_corpus
    from autodm.loaders import load_inbox

    corpus = load_corpus()
    peer = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                         LogisticRegression(max_iter=2000))
    peer.fit(corpus["text"], corpus["label"])
    texts = load_inbox([Path(path)]).incoming["text"].astype(str).tolist()[:max_texts]
    t = time.perf_counter()
    peer.predict_proba(texts)
    return {"seconds": time.perf_counter() - t, "messages": len(texts), "rss_mib": rss_mib()}


def in_subprocess(kind: str, path: Path, *args: Any) -> dict[str, Any]:
    call = f"b.run_{kind}({', '.join(repr(a) for a in (str(path), *args))})"
    code = f"import json,sys; sys.path.insert(0, 'benchmarks'); import bench_scan as b; print(json.dumps({call}))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if res.returncode:
        raise SystemExit(f"{kind} run failed on {path}:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure(fmt: str, n: int, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Medians of ``args.runs`` scans of ``path``, and of the references unless turned off."""
    scans = [in_subprocess("scan", path) for _ in range(args.runs)]
    row: dict[str, Any] = {"format": fmt, "size": n, "messages": scans[0]["messages"], "scored": scans[0]["scored"],
                           "distinct_texts": scans[0]["distinct_texts"], "cores": os.cpu_count(), "runs": args.runs}
    for s in STAGES:
        row[f"{s}_s"] = statistics.median(r["times"][s] for r in scans)
    row["total_s"] = statistics.median(sum(r["times"].values()) for r in scans)
    row["startup_s"] = statistics.median(r["startup_s"] for r in scans)
    row["msgs_per_s"] = row["messages"] / row["total_s"]
    row["peak_mem_mib"] = statistics.median(max(r["peak_mem_mib"].values()) for r in scans)
    row["peak_rss_mib"] = statistics.median(r["rss_mib"] for r in scans)
    if not args.no_references:
        bare = [in_subprocess("bare_parse", path) for _ in range(args.runs)]
        row["bare_parse_s"] = statistics.median(r["seconds"] for r in bare)
        row["scan_over_bare_parse"] = row["total_s"] / row["bare_parse_s"]
        naive = [in_subprocess("naive", path, args.naive_max_texts) for _ in range(args.runs)]
        row["naive_peer_s"] = statistics.median(r["seconds"] for r in naive)
        row["naive_peer_texts"] = naive[0]["messages"]
        peer_rate = row["naive_peer_texts"] / row["naive_peer_s"]
        row["speedup_vs_naive_peer"] = (row["scored"] / row["total_s"]) / peer_rate
    print(json.dumps(row), file=sys.stderr)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--formats", nargs="+", default=["x", "instagram"])
    ap.add_argument("--unique-sizes", type=int, nargs="*", default=[100_000],
                    help="also scan X exports of these sizes where every text is unique (none: skip)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--naive-max-texts", type=int, default=50_000,
                    help="time the naive peer on at most this many incoming texts")
    ap.add_argument("--no-references", action="store_true")
    args = ap.parse_args()
    results: list[dict[str, Any]] = []
    for fmt in args.formats:
        for n in args.sizes:
            results.append(measure(fmt, n, make_export(fmt, n, OUT / "data"), args))
    for n in args.unique_sizes:
        results.append(measure("x-unique", n, make_export("x", n, OUT / "data", unique=True), args))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_scan.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    cols = ["format", "size", "messages", "distinct_texts", *[f"{s}_s" for s in STAGES], "total_s", "msgs_per_s",
            "peak_mem_mib", "peak_rss_mib", "startup_s", "bare_parse_s", "scan_over_bare_parse", "naive_peer_s",
            "speedup_vs_naive_peer"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in results:
        cells = [f"{r[c]:.3g}" if isinstance(r.get(c), float) else str(r.get(c, "-")) for c in cols]
        print("| " + " | ".join(cells) + " |")
    print(f"({os.cpu_count()} cores; medians of {args.runs} runs)")


if __name__ == "__main__":
    main()
