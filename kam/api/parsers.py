"""The API's JSON parser: DRF's, with a bound on nesting.

DRF parses with the standard library, which recurses once per level: a body nested a
thousand deep raised RecursionError and answered 500. Here the nesting is bounded
(`API_MAX_JSON_DEPTH`, 64: KAM's deepest real body is three levels) and a body past it is a
400 naming the problem. The parse itself stays DRF's (exact integers, NaN refused), so
nothing else about what a client may send changes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def json_depth_exceeds(value: object, limit: int) -> bool:
    """True when `value` (parsed JSON) nests lists/objects more than `limit` levels deep.

    Iterative, so it cannot itself run out of stack; it stops at the first path too deep.
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: list[object] = list(node.values())
        elif isinstance(node, list):
            children = node
        else:
            continue
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        too_deep = ParseError(
            _("JSON parse error - the body nests lists and objects more than %(limit)d deep.")
            % {"limit": limit}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if isinstance(data, dict | list) and json_depth_exceeds(data, limit):
            raise too_deep
        return data
