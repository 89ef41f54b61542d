"""Run the code examples of docs/*.md, so the docs stay runnable.

A fenced ```python block right after `<!-- snippet: NAME -->` is the snippet NAME.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def snippet(name: str, doc: str = "erp.md") -> dict:
    """Execute the snippet and return its namespace (its functions, by name)."""
    text = (DOCS / doc).read_text()
    match = re.search(
        rf"<!-- snippet: {re.escape(name)} -->\s*```python\n(.*?)```", text, re.DOTALL
    )
    assert match, f"docs/{doc} has no snippet {name!r}"
    namespace: dict = {"__name__": f"docs_snippet_{name}"}
    exec(compile(match.group(1), f"docs/{doc}:{name}", "exec"), namespace)  # noqa: S102
    return namespace
