"""``newsarchive replay``: the archive's WARC files served by pywb on 127.0.0.1.

pywb pins old versions of redis and werkzeug, so it lives in its own virtualenv (``.venv-pywb``, made by
``./run``; another place via ``NEWSARCHIVE_PYWB``, the directory holding its ``wayback`` and
``cdxj-indexer`` scripts). Replay state lives in ``DATA/replay/``: a pywb ``config.yaml`` naming one
collection, ``archive``, whose WARCs are ``DATA/warc/`` and whose index is rebuilt whenever the set of
closed WARC files changed (archive/warc/cdx.py). The config is written at each start, so a moved data
directory replays too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from archive.api import REPLAY_COLLECTION
from archive.children import spawn
from archive.warc.cdx import build_index

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ReplayUnavailable(RuntimeError):
    """pywb is not installed where we look."""


def tool(name: str) -> Path:
    """A script of the pywb environment."""
    candidates = []
    if os.environ.get("NEWSARCHIVE_PYWB"):
        candidates.append(Path(os.environ["NEWSARCHIVE_PYWB"]) / name)
    candidates.append(PROJECT_ROOT / ".venv-pywb" / "bin" / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.exists():
            return path
    raise ReplayUnavailable(f"{name} not found (looked in {', '.join(str(c.parent) for c in candidates)}); "
                            "./run sets up .venv-pywb, or point NEWSARCHIVE_PYWB at a bin directory with pywb")


def _archive_paths(data_dir: Path) -> list[str]:
    """Where pywb looks for a file the index names (by its path under the WARC root): the root, and each
    worker's directory under it for indexes written before names were relative."""
    root = (data_dir / "warc").resolve()
    return [str(root) + "/", *(str(d) + "/" for d in sorted(root.iterdir()) if d.is_dir())] if root.is_dir() \
        else [str(root) + "/"]


def prepare(data_dir: Path) -> Path:
    """Write DATA/replay/config.yaml, with the archive's CDXJ index brought up to date."""
    replay = data_dir / "replay"
    indexes = build_index(data_dir).parent
    (replay / "config.yaml").write_text(
        "# written by newsarchive replay at each start\n"
        "collections:\n"
        f"  {REPLAY_COLLECTION}:\n"
        f"    index_paths: {json.dumps(str(indexes.resolve()) + '/')}\n"
        f"    archive_paths: {json.dumps(_archive_paths(data_dir))}\n"
        "framed_replay: true\n"
        "enable_memento: true\n")
    return replay


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(base: str, seconds: float = 60.0) -> None:
    """Return once pywb at ``base`` answers (it has read its configuration); TimeoutError otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return
        except OSError:  # refused while it starts; URLError is an OSError
            time.sleep(0.2)
    raise TimeoutError(f"pywb did not answer at {base} within {seconds:g} s")


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """Start pywb's ``wayback`` on 127.0.0.1:PORT for this data directory; the caller owns the process (and
    stops it with ``archive.children.stop``); it ends with this process if this one dies first."""
    replay = prepare(data_dir)
    with (replay / "pywb.log").open("ab") as log:  # pywb's own log; the child keeps the descriptor
        return spawn([str(tool("wayback")), "-b", "127.0.0.1", "-p", str(port)], cwd=replay, stdout=log,
                     stderr=subprocess.STDOUT)
