"""py3langid's model, loaded from an uncompressed copy kept in the user's cache directory.

The package ships its model LZMA-compressed: 4.5 MB that decompress to 65 MB, most of the model's load, in
every process that cleans; every crawl, import and reextract starts one (the test suite about 150). The
first load writes the arrays uncompressed under ``$XDG_CACHE_HOME/newsarchive/`` (``~/.cache`` by default;
``NEWSARCHIVE_CACHE_DIR`` to choose another place), named by py3langid's version and the model file's
digest; later loads read them back without decompressing, the two large tables memory-mapped so that
processes share their pages. A copy is never removed here (two installations with different releases may share the
directory); an old release's copy can be deleted by hand.

The copy is trusted only as far as it is checked: it is written whole or not at all (a temporary directory
renamed into place), and a loaded copy must classify a probe text exactly as the package's own loader did
when the copy was made. Anything else (no cache directory, a read-only home, a damaged copy, another
py3langid whose loader has changed) falls back to the package's own loader, which is what ran before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from array import array
from importlib.metadata import version
from pathlib import Path
from typing import Any

PROBE = "The archive keeps every page as it came off the wire, and a text snippet of each article. " * 3
ARRAYS = ("ptc", "pc", "classes", "nextmove", "row", "output")
TYPECODES = {2: "H", 4: "I", 8: "Q"}  # the stdlib arrays py3langid walks, by item size


def cache_root() -> Path:
    configured = os.environ.get("NEWSARCHIVE_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsarchive"


def _model_path() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / str(MODEL_FILE)


def _cache_dir(model: Path) -> Path:
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    return cache_root() / f"py3langid-{version('py3langid')}-{digest}"


def load_identifier() -> tuple[Any, str]:
    """py3langid's identifier (normalised probabilities) and where its model came from: ``cache`` or
    ``package``."""
    from py3langid.langid import LanguageIdentifier

    model = _model_path()
    try:
        where: Path | None = _cache_dir(model)
    except Exception:  # no home directory, an unreadable model file: no copy, the package's loader
        where = None
    if where is not None and where.exists():
        try:
            identifier = _from_copy(LanguageIdentifier, where)
            if list(identifier.classify(PROBE)) == json.loads((where / "probe.json").read_text())["classify"]:
                return identifier, "cache"
        except Exception:  # whatever is wrong with the copy, the package's loader follows
            pass
        shutil.rmtree(where, ignore_errors=True)  # damaged, or written by another loader: made again below
    identifier = LanguageIdentifier.from_model_file(model, norm_probs=True)
    if where is not None:
        with contextlib.suppress(Exception):  # a copy not written costs the next process the decompression only
            _write_copy(model, where, identifier)
    return identifier, "package"


def _from_copy(cls: Any, where: Path) -> Any:
    import numpy as np

    mapped = ("ptc", "nextmove")  # the two large tables: read where used, their pages shared between processes
    data = {name: np.load(where / f"{name}.npy", mmap_mode="r" if name in mapped else None, allow_pickle=False)
            for name in ARRAYS}
    row = array(TYPECODES[data["row"].dtype.itemsize])
    row.frombytes(data["row"].tobytes())
    # the automaton's table stays a NumPy array: language_walk reads it whole, and py3langid's own loop (the
    # probes, a text without features) indexes it as it indexes the stdlib array
    return cls(data["ptc"], data["pc"], data["classes"].tolist(), np.asarray(data["nextmove"]),
               data["output"].tolist(), norm_probs=True, tk_row=row)


def _write_copy(model: Path, where: Path, identifier: Any) -> None:
    """The model's arrays as .npy files and the probe's reading, renamed into place whole."""
    import numpy as np
    from py3langid.modelio import load_model

    if where.exists():
        return
    ptc, pc, classes, nextmove, row, output = load_model(model)
    where.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=where.parent))
    try:
        arrays = {"ptc": np.asarray(ptc), "pc": np.asarray(pc), "classes": np.asarray(classes),
                  "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
                  "row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
                  "output": np.asarray(output, dtype=np.int64)}
        for name, values in arrays.items():
            np.save(building / f"{name}.npy", values, allow_pickle=False)
        (building / "probe.json").write_text(json.dumps({"classify": list(identifier.classify(PROBE))}))
        building.rename(where)  # another process may have won the race: its copy is as good
    finally:
        shutil.rmtree(building, ignore_errors=True)
