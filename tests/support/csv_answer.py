"""A CSV download as the tests read it: UTF-8 with a BOM (Excel reads it), as dicts."""

from __future__ import annotations

import csv
import io


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))
