"""A crawl on a terminal: a live status that redraws in place and ends with the usual summary, what a Ctrl-C
leaves to finish, and, off a terminal, output exactly as before. The terminal is a real pseudo-terminal
(the standard library's ``pty``)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
from pathlib import Path

from crawler.runs.outcome import EXIT_INTERRUPTED, EXIT_OK, print_report
from replica import ReplicaServer
from replica.courier import CourierServer
from tests.conftest import ROOT, cli_command, cli_env
from tests.helpers import STATUS_RE, on_a_terminal

ESCAPE = b"\x1b["


def crawl_on_a_terminal(replica: ReplicaServer, data: Path, *args: str, interrupt_after: int = 0,
                        second_interrupt_after: float = 0, timeout: float = 120) -> tuple[int, bytes]:
    """Run a crawl of the replica with stdin, stdout and stderr on a pseudo-terminal; with
    ``interrupt_after``, send SIGINT once the status shows that many pages fetched (and again that many
    seconds after the crawl said it is stopping, with ``second_interrupt_after``)."""
    return on_a_terminal(["crawl", "rki.news", "--base-url", replica.base_url, *args], data,
                         interrupt_after=interrupt_after, second_interrupt_after=second_interrupt_after,
                         timeout=timeout)


def summary_of(data: Path) -> str:
    """What the summary of the data directory's one run reads, as print_report writes it."""
    (report_path,) = (data / "runs").glob("*.json")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print_report(json.loads(report_path.read_text()), data)
    return buffer.getvalue()


def test_the_status_appears_moves_and_gives_way_to_the_summary(replica: ReplicaServer, tmp_path: Path) -> None:
    code, out = crawl_on_a_terminal(replica, tmp_path)
    assert code == EXIT_OK
    fetched = [int(n.replace(b",", b"")) for n in STATUS_RE.findall(out)]
    assert len(set(fetched)) >= 2, out[-2000:]  # redrawn as pages come in
    assert fetched == sorted(fetched)
    assert b"pages/min" in out
    assert b"\r" + ESCAPE + b"2K" in out  # redrawn in place, not line after line
    # the status is transient: after it, the summary, line for line as print_report writes it
    tail = out[out.rindex(b"pages/min"):].split(b"\n", 1)[1]
    assert summary_of(tmp_path).replace("\n", "\r\n").encode() in tail


def test_quiet_shows_no_status(replica: ReplicaServer, tmp_path: Path) -> None:
    code, out = crawl_on_a_terminal(replica, tmp_path, "-q")
    assert code == EXIT_OK
    assert b"pages/min" not in out
    assert summary_of(tmp_path).replace("\n", "\r\n").encode() in out


def test_ctrl_c_says_what_it_leaves_and_the_run_is_interrupted(replica: ReplicaServer, tmp_path: Path) -> None:
    code, out = crawl_on_a_terminal(replica, tmp_path, "-s", "DOWNLOAD_DELAY=0.05", interrupt_after=20)
    assert code == EXIT_INTERRUPTED
    assert re.search(rb"stopping gracefully: finishing \d+ download\(s\) and \d+ page\(s\) being cleaned", out)
    assert b"Ctrl-C" in out
    assert b"interrupted in" in out


def test_a_second_ctrl_c_says_what_it_drops_and_gives_the_terminal_back(replica: ReplicaServer,
                                                                       tmp_path: Path) -> None:
    code, out = crawl_on_a_terminal(replica, tmp_path, interrupt_after=20, second_interrupt_after=0.02)
    assert code != EXIT_OK
    assert re.search(rb"stopping at once: \d+ download\(s\) and \d+ page\(s\) being cleaned are dropped", out)
    # the status was taken off the screen (erased, the cursor shown again) and not drawn after that
    last_status = [m.start() for m in STATUS_RE.finditer(out)][-1]
    assert out.rindex(b"\x1b[?25h") > out.rindex(b"\x1b[?25l")
    assert out.rindex(b"\x1b[?25h") > last_status
    assert b"\x1b[2K" in out[last_status:]


def test_off_a_terminal_the_output_is_the_summary_alone(replica: ReplicaServer, tmp_path: Path) -> None:
    result = subprocess.run(cli_command("crawl", "rki.news", "--base-url", replica.base_url, data=tmp_path),
                            cwd=ROOT, env=cli_env(), capture_output=True, timeout=300, check=False)
    assert result.returncode == EXIT_OK
    assert result.stderr == b""
    assert ESCAPE not in result.stdout
    assert result.stdout.decode() == summary_of(tmp_path)


def test_reextract_and_verify_show_records_done_and_the_time_left(replica: ReplicaServer, tmp_path: Path) -> None:
    crawled = subprocess.run(cli_command("crawl", "rki.news", "--base-url", replica.base_url, data=tmp_path),
                             cwd=ROOT, env=cli_env(), capture_output=True, timeout=300, check=False)
    assert crawled.returncode == EXIT_OK
    code, out = on_a_terminal(["reextract", "--workers", "0"], tmp_path)
    assert code == EXIT_OK
    done = [int(n) for n in re.findall(rb"reextract: records .*? (\d+)/320", out)]
    assert done, out[-2000:]
    assert done == sorted(done)
    assert b"left" in out
    tail = out.rsplit(b"left", 1)[1]
    assert re.search(rb"reextract [\w-]+: 320 record\(s\) cleaned again", tail)
    piped = subprocess.run(cli_command("verify", data=tmp_path), cwd=ROOT, env=cli_env(), capture_output=True,
                           timeout=300, check=False)
    code, out = on_a_terminal(["verify"], tmp_path)
    assert code == piped.returncode == EXIT_OK
    assert re.search(rb"verify: WARC .*?[\d.]+/[\d.]+ [kM]B", out)
    assert ESCAPE not in piped.stdout + piped.stderr
    assert piped.stdout.splitlines()[-1] in out  # the same verdict line after the bar


def _why_runs_failed(out: bytes, data: Path) -> str:
    """What a failed `crawl --all` printed, and the end of each run's report and log."""
    parts = [out[-3000:].decode(errors="replace")]
    for path in sorted((data / "runs").glob("*")):
        parts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:])
    return "\n".join(parts)


def test_crawl_all_shows_a_line_per_site_running_and_the_sites_done(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ReplicaServer(article_count=60) as rki, CourierServer(article_count=40) as courier:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "rki.news"\nbase_url = "{rki.base_url}"\nevery = "1h"\n\n'
                         f'[[site]]\nstart = "{courier.base_url}/"\nevery = "1h"\n')
        code, out = on_a_terminal(["crawl", "--all", "--sites", str(sites)], data)
    assert code == EXIT_OK, _why_runs_failed(out, data)
    assert b"crawl --all: 0 of 2 site(s) done" in out
    assert re.search(rb"rki\.news: crawling, \d+m\d\ds", out)
    assert re.search(rb"127\.0\.0\.1: crawling", out)
    assert b"2 site(s) crawled; not due yet: none" in out.rsplit(b"site(s) done", 1)[1]


def test_import_shows_bytes_read_and_the_time_left(wget_warc: Path, tmp_path: Path) -> None:
    size = wget_warc.stat().st_size
    code, out = on_a_terminal(["import", str(wget_warc), "--workers", "0"], tmp_path / "tty")
    assert code == EXIT_OK
    done = [float(n) for n in re.findall(rb"([\d.]+)/" + re.escape(f"{size / 1000:.1f} kB".encode()), out)]
    assert done, out[-2000:]
    assert done == sorted(done)
    assert b"left" in out
    assert re.search(rb"import [\w-]+: 1 file\(s\); [\d,]+ record\(s\) read", out.rsplit(b"left", 1)[1])
    piped = subprocess.run(cli_command("import", str(wget_warc), "--workers", "0", data=tmp_path / "piped"),
                           cwd=ROOT, env=cli_env(), capture_output=True, timeout=300, check=False)
    assert piped.returncode == EXIT_OK
    assert ESCAPE not in piped.stdout + piped.stderr
    assert piped.stderr == b""
    assert re.match(rb"import [\w-]+: 1 file\(s\); [\d,]+ record\(s\) read, [\d,]+ copied", piped.stdout)
