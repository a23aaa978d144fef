"""py3langid's model from the uncompressed copy in the cache directory: written once, read back to the same
readings, and never trusted when damaged (the package's own loader takes over)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, cli_env

TEXTS = ["Der Bundestag hat am Donnerstag das Gesetz mit großer Mehrheit beschlossen.",
         "Le gouvernement a présenté mardi un projet de loi sur le logement.",
         "وزیر اعظم نے منگل کو کابینہ کا اجلاس طلب کیا۔",
         "The council voted on Tuesday to close the library for repairs.",
         "短い文"]
PROBE = ("import json, sys\n"
         "from crawler.cleaning.language_model import load_identifier\n"
         "identifier, source = load_identifier()\n"
         "print(json.dumps([source, [list(identifier.classify(t)) for t in json.loads(sys.argv[1])]]))\n")


def load(cache: Path) -> tuple[str, list[list[object]]]:
    """(where the model came from, the readings of TEXTS) in a fresh process with ``cache`` as cache directory."""
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(TEXTS)], capture_output=True, text=True,
                            cwd=ROOT, env=cli_env({"NEWSARCHIVE_CACHE_DIR": str(cache)}), timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    source, readings = json.loads(result.stdout)
    return source, readings


def test_the_first_load_writes_the_copy_and_the_next_reads_it_to_the_same_readings(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load(cache)
    assert first[0] == "package"
    (copy,) = cache.iterdir()
    assert copy.name.startswith("py3langid-")
    assert (copy / "nextmove.npy").is_file()
    assert not [p for p in cache.iterdir() if p.name.startswith(".building-")]  # no half-written copy left
    second = load(cache)
    assert second == ("cache", first[1])


def test_a_damaged_copy_is_not_trusted_and_is_made_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    readings = load(cache)[1]
    (copy,) = cache.iterdir()
    table = copy / "ptc.npy"
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])  # a copy cut short: it does not load
    assert load(cache) == ("package", readings)
    assert load(cache) == ("cache", readings)  # the damaged copy was replaced
    nextmove = copy / "nextmove.npy"
    size = nextmove.stat().st_size
    nextmove.write_bytes(nextmove.read_bytes()[:128] + bytes(size - 128))  # loads, and reads every text alike
    assert load(cache) == ("package", readings)


def test_an_unwritable_cache_directory_costs_only_the_copy(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert load(blocked / "cache") == ("package", load(tmp_path / "cache")[1])
