"""docs/integration.md: every `bash` example runs with curl against a live Rota."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from rota.accounts.services import token_create
from rota.audit.actors import Actor
from rota.demo.services import demo_catalog_load

GUIDE = Path(settings.BASE_DIR) / "docs" / "integration.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
SCOPES = [
    "catalog:read",
    "catalog:write",
    "customers:read",
    "customers:write",
    "billing:read",
    "billing:write",
]

# The live server runs in another thread and commits: the examples need a real database.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def examples(text: str) -> list[tuple[str, str | None]]:
    """Return each bash block with the text block right after it (its expected output)."""
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]
    found = []
    for i, (language, body, _, end) in enumerate(blocks):
        if language != "bash":
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = None
        if following and following[0] == "text" and not text[end : following[2]].strip():
            expected = following[1]
        found.append((body, expected))
    return found


def lines(output: str) -> list[str]:
    """Compare line by line; the guide shows a non-breaking space as a space."""
    return [line.replace("\xa0", " ").rstrip() for line in output.strip().splitlines()]


def test_the_guide_has_examples_with_outputs() -> None:
    found = examples(GUIDE.read_text(encoding="utf-8"))
    assert len(found) >= 12
    assert sum(expected is not None for _, expected in found) >= 10
    assert all("curl" in script for script, _ in found)


def test_the_curl_examples_of_the_integration_guide_run(live_server: Any) -> None:
    actor = Actor.system("test")
    demo_catalog_load(actor=actor)
    _, secret = token_create(name="crm", scopes=SCOPES, actor=actor)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ROTA": live_server.url,
        "TMF": f"{live_server.url}/tmf-api/productCatalogManagement/v4",
        "TOKEN": secret,
        "LC_ALL": "C.UTF-8",
    }
    for script, expected in examples(GUIDE.read_text(encoding="utf-8")):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{script}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        if expected is not None:
            assert lines(result.stdout) == lines(expected), script
