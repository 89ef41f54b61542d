"""`UNSET`: the default of a service's optional keyword argument when "not given" must
differ from None (an update leaves the stored value, None clears it).

    def contact_update(*, user: User, contact: Contact, email: str | Unset = UNSET) -> ...:
        fields = given(email=email)   # {} when the caller did not send an e-mail

A one-member enum, so mypy narrows `x is UNSET` / `x is not UNSET` like `None`.
"""

from __future__ import annotations

import enum
from typing import Any, Final, Literal, TypeAlias


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
Unset: TypeAlias = Literal[_Unset.UNSET]


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given: those whose value is not UNSET."""
    return {name: value for name, value in values.items() if value is not UNSET}
