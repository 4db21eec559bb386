"""Small helpers shared by the security tests: read form fields out of rendered pages, and every answer as text."""
from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.setdefault(a["name"], a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(response) -> dict[str, str]:
    """The values a browser would submit for the (first) page's inputs and selects, textareas excluded."""
    parser = _Inputs()
    parser.feed(response.content.decode())
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values


_TAG = re.compile(rb"<[^>]+>")


def body_text(response) -> str:
    """Everything a person could read in the answer: HTML/JSON as text, every XML part of XLSX/DOCX, PDF text."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                return "\n".join(_TAG.sub(b" ", z.read(n)).decode("utf-8", "replace")
                                 for n in z.namelist() if n.endswith(".xml"))
        except zipfile.BadZipFile:
            pass
    if body[:5] == b"%PDF-":
        out = subprocess.run(["pdftotext", "-q", "-", "-"], input=body, capture_output=True, timeout=60)
        return out.stdout.decode("utf-8", "replace").replace(" ", "")
    text = body.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text
