"""Turn the values a real writer leaves in a summary into floats.

The writer uses ``json.dump(..., default=str)``, so a tensor that slipped through arrives as
``"tensor(0.1234, device='cuda:0')"`` and a NaN can arrive as the string ``"nan"``. Ints and
bools are metrics too. Anything that is not a number in disguise is left to the caller.
"""

from __future__ import annotations

import math
import re

_NUMBER_IN_TEXT = re.compile(
    r"""^\s*(?:tensor|array|np\.float\d*|float\d*)?\(?\s*\[?\s*
        ([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf(?:inity)?))
        \s*\]?\s*(?:,[^)]*)?\)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

NAN = math.nan


def text_to_float(text: str) -> float | None:
    """Return the number a string stands for, or None when it is genuine text.

    Accepts what ``float()`` accepts (``"0.5"``, ``"nan"``, ``"-Infinity"``) and the repr of a
    scalar tensor or array, with or without a device or dtype argument.
    """
    try:
        return float(text)
    except ValueError:
        pass
    match = _NUMBER_IN_TEXT.match(text)
    if match is None:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None


def int_to_float(value: int) -> float:
    """Convert an int (or bool) to float; integers too large for a float become +-inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
