"""Fill locale/ru/LC_MESSAGES/django.po from the translation tables beside this file.

Run after `make messages` (which extracts the strings), then `compilemessages`. Strings
with no translation here stay as they are (another team's .po merge may have them).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ru_uikam import RU  # noqa: E402

PO = HERE.parent / "ru" / "LC_MESSAGES" / "django.po"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def fill(text: str) -> tuple[str, int, list[str]]:
    blocks = text.split("\n\n")
    out, filled, missing = [], 0, []
    for block in blocks:
        lines = block.split("\n")
        fields: dict[str, list[str]] = {}
        key = None
        for line in lines:
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if match:
                key = match.group(1)
                fields[key] = [match.group(2)]
            elif line.startswith('"') and key:
                fields[key].append(line)
        msgid = _unquote(fields["msgid"]) if "msgid" in fields else ""
        if not msgid:
            out.append(block)
            continue
        ru = RU.get(msgid)
        if ru is None:
            missing.append(msgid)
            out.append(block)
            continue
        keep = [
            line
            for line in lines
            if line.startswith("#") and line != "#, fuzzy" and not line.startswith("#| ")
        ]
        keep = [line.replace(", fuzzy", "") if line.startswith("#,") else line for line in keep]
        keep = [line for line in keep if line != "#,"]
        new = [*keep]
        if "msgctxt" in fields:
            new.append("msgctxt " + "\n".join(fields["msgctxt"]))
        new.append("msgid " + "\n".join(fields["msgid"]))
        if "msgid_plural" in fields:
            new.append("msgid_plural " + "\n".join(fields["msgid_plural"]))
            forms = ru if isinstance(ru, tuple) else (ru,) * 4
            new += [f"msgstr[{i}] {_quote(form)}" for i, form in enumerate(forms)]
        else:
            new.append("msgstr " + _quote(ru))
        out.append("\n".join(new))
        filled += 1
    return "\n\n".join(out), filled, missing


def main() -> None:
    text = PO.read_text(encoding="utf-8")
    text = text.replace('"Language: \\n"', '"Language: ru\\n"')
    # A fuzzy header is skipped by msgfmt, and with it Russian's plural forms.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    text, filled, missing = fill(text)
    PO.write_text(text, encoding="utf-8")
    print(f"filled {filled}, untranslated {len(missing)}")
    for msgid in missing:
        print("  missing:", repr(msgid))


if __name__ == "__main__":
    main()
