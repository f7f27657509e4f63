"""Scan a fleet's logs with Dask, then merge them into one aadlint report.

The folder tree holds one folder per host (``ROOT/<host>/...``), as logs copied or mounted from
each machine look. Each host folder (or, with ``--per-file``, each file) is one partition of a
Dask bag; the task for a partition runs ``aadlint scan PART --emit -`` where a Dask worker runs,
and returns the events file it prints: a small, redacted summary of that host's logs. The
driver then runs ``aadlint merge`` over the events files in partition order, so the report is
the one a single ``aadlint scan`` of the same folders (or files) in that order would print,
whether or not the flows cross hosts.

    python fleet_scan.py ROOT                      # a LocalCluster on this machine
    python fleet_scan.py ROOT --scheduler tcp://10.0.0.5:8786 -- --format json
    python fleet_scan.py ROOT --workers 2 -- --fail-on error

Arguments after ``--`` go to ``aadlint merge`` (``--format``, ``--fail-on``, ``--max-skew``,
``--output`` ...); its exit code is this program's. Every worker needs the aadlint binary
(``--aadlint PATH``, default ``aadlint`` on the PATH) and the partition's files at the same
path: on a real fleet, run the workers on the hosts, or point the partitions at shared storage.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import dask.bag as db
from dask.distributed import Client, LocalCluster


def partitions(root, per_file):
    """The partitions of ROOT, in the order a scan of them would read them: each host folder
    (each file, with per_file), sorted by name. Files directly in ROOT belong to no host and
    are left out (with a note)."""
    hosts, stray = [], []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.startswith("."):
            continue
        (hosts if os.path.isdir(path) else stray).append(path)
    for path in stray:
        print(f"fleet_scan: {path}: not in a host folder, left out", file=sys.stderr)
    if not per_file:
        return hosts
    files = []
    for host in hosts:
        for folder, dirs, names in os.walk(host):
            dirs.sort()
            files.extend(os.path.join(folder, n) for n in sorted(names) if not n.startswith("."))
    return files


def scan_partition(part, aadlint):
    """Runs on a Dask worker: the events file of one partition, as bytes. A partition with an
    unreadable input still gives its events (aadlint exits 2 and names it in the header); no
    events at all is an error that names the partition."""
    run = subprocess.run(
        [aadlint, "scan", "--quiet", "--no-config", "--emit", "-", part],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if not run.stdout:
        raise RuntimeError(f"aadlint scan {part} exited {run.returncode}: {run.stderr.decode(errors='replace')}")
    return run.stdout


def main():
    argv = sys.argv[1:]
    merge_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, merge_args = argv[:cut], argv[cut + 1 :]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("root", help="a folder with one folder per host")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler (default: a LocalCluster)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--per-file", action="store_true", help="one partition per file instead of per host folder")
    p.add_argument("--aadlint", default="aadlint", help="the aadlint binary on the workers")
    p.add_argument("--keep", metavar="DIR", help="keep the events files in DIR")
    args = p.parse_args(argv)

    parts = partitions(args.root, args.per_file)
    if not parts:
        sys.exit(f"fleet_scan: {args.root}: no host folders")
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    with client:
        bag = db.from_sequence(parts, npartitions=len(parts))
        events = bag.map(scan_partition, args.aadlint).compute()
    out_dir = args.keep or tempfile.mkdtemp(prefix="aadlint-fleet-")
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for i, data in enumerate(events):
        path = os.path.join(out_dir, f"{i:05d}.events.jsonl")
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
    merged = subprocess.run([args.aadlint, "merge", *files, *merge_args])
    if not args.keep:
        for path in files:
            os.remove(path)
        os.rmdir(out_dir)
    sys.exit(merged.returncode)


if __name__ == "__main__":
    main()
