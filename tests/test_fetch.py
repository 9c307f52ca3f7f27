"""``grenimja data fetch`` against a local HTTP server: verified, resumable, every failure named."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from grenimja.data.fetch import ManifestEntry, fetch_all

GOOD = b"tf\tgene\nSOX2\tNANOG\n" * 200
CHANGED = b"this is not what the manifest recorded\n" * 50
CUT = bytes(range(256)) * 64  # 16 KiB, sent only half on the first request


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {"/good.tsv": GOOD, "/changed.tsv": CHANGED, "/cut.bin": CUT}
    cut_once = {"/cut.bin"}

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            self.wfile.write(body[start:])
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in self.cut_once:
            self.cut_once.discard(self.path)
            self.wfile.write(body[: len(body) // 2])  # then the connection closes mid-download
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.cut_once = {"/cut.bin"}
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _entry(path: str, body: bytes, url: str) -> ManifestEntry:
    return ManifestEntry(path, hashlib.sha256(body).hexdigest(), len(body), url)


def test_fetch_verifies_resumes_and_names_every_file_it_could_not_get(server, tmp_path):
    entries = [
        _entry("a/good.tsv", GOOD, f"{server}/good.tsv"),
        _entry("b/changed.tsv", GOOD, f"{server}/changed.tsv"),  # the server's bytes differ from the manifest
        _entry("c/missing.tsv", GOOD, f"{server}/missing.tsv"),
        _entry("d/cut.bin", CUT, f"{server}/cut.bin"),
        _entry("e/derived.tsv", GOOD, ""),
    ]
    res = {r.path: r for r in fetch_all(tmp_path, entries, progress=False)}
    assert res["a/good.tsv"].status == "downloaded" and (tmp_path / "a/good.tsv").read_bytes() == GOOD
    assert res["b/changed.tsv"].status == "failed" and "sha256 mismatch" in res["b/changed.tsv"].reason
    assert not (tmp_path / "b/changed.tsv").exists() and not (tmp_path / "b/changed.tsv.part").exists()
    assert res["c/missing.tsv"].status == "failed" and "HTTP 404" in res["c/missing.tsv"].reason
    # cut off half-way, then continued with a Range request to the same bytes
    assert res["d/cut.bin"].status == "downloaded" and (tmp_path / "d/cut.bin").read_bytes() == CUT
    assert res["e/derived.tsv"].status == "failed" and "no public URL" in res["e/derived.tsv"].reason
    again = {r.path: r.status for r in fetch_all(tmp_path, entries[:1], progress=False)}
    assert again == {"a/good.tsv": "present"}


def test_the_packaged_manifest_names_a_url_for_every_file_but_the_derived_ones():
    from grenimja.data.fetch import manifest_entries

    entries = manifest_entries()
    assert len(entries) >= 20 and all(len(e.sha256) == 64 for e in entries)
    no_url = {e.path for e in entries if not e.url}
    assert no_url <= {"prosite/prosite_patterns.tsv", "promoters/epdnew006_hg38_promoter_motifs.tsv"}
    assert all(e.url.startswith("https://") for e in entries if e.url)
    assert Path("grenimja/data/manifest.tsv").read_text().splitlines()[0].endswith("\turl")
