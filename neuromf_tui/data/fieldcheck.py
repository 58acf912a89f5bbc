"""Name the fields of a run that cannot be read as the metrics they claim to be.

The loader keeps whatever it can of a record: text goes aside, a list is indexed, an empty key
keeps its (odd) name. Without a word, though, a ``raw_loss_mean`` logged as ``"oops"`` or as
``[1, 2]`` would simply vanish from the metric list. These checks turn each such field into one
message naming the field, what it held and what was done with it, so the user learns which
field of which run is wrong instead of seeing a metric quietly missing.
"""

from __future__ import annotations

from neuromf_tui.data.catalogue import describe

MAX_SHOWN = 40
"""Characters of an offending value quoted in a message."""


def _quote(text: str) -> str:
    shown = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
    return repr(shown)


def _at(epoch: int | None) -> str:
    return f" (first at epoch {epoch})" if epoch is not None else ""


def has_empty_key(name: str) -> bool:
    """Whether a dotted name contains an empty key (``""``, ``"a."``, ``"a..b"``)."""
    return not name or name.startswith(".") or name.endswith(".") or ".." in name


Problem = tuple[str, str]
"""(field, message): the field is the name the user knows, e.g. ``raw_loss_mean`` for a
``raw_loss_mean.0`` column made from a list."""


def column_problem(name: str, epoch: int | None, *, also_text: bool) -> Problem | None:
    """What is wrong with a newly seen numeric column, or None when nothing is.

    ``also_text`` says the same field held genuine text in some other epoch.
    """
    prefix = None if describe(name).known else known_prefix(name)
    if prefix is not None:
        return prefix, _container(prefix, epoch)
    if has_empty_key(name):
        return name, f"field {name!r} has an empty key{_at(epoch)}: shown under that name"
    if also_text:
        return name, (
            f"field {name!r} holds text in some epochs, numbers in others{_at(epoch)}: "
            "the text is left out"
        )
    return None


def text_problem(name: str, value: str, epoch: int | None, *, numeric: bool) -> Problem | None:
    """What is wrong with a text value, or None when text is fine for this field.

    Text is expected in fields the spec does not list (a run's notes, a prediction type); in
    a metric the spec lists, or in a field other epochs log as a number, it is a fault.
    """
    known = describe(name).known
    prefix = None if known else known_prefix(name)
    if prefix is not None:
        return prefix, _container(prefix, epoch)
    if numeric or known:
        shown = _quote(value)
        return name, f"field {name!r} holds text {shown}, not a number{_at(epoch)}: left out"
    if has_empty_key(name):
        return name, f"field {name!r} has an empty key{_at(epoch)}: its text is kept aside"
    return None


def depth_problem(name: str, epoch: int | None, max_depth: int) -> Problem:
    return name, f"field {name!r} is nested deeper than {max_depth} levels{_at(epoch)}: cut off"


def known_prefix(name: str) -> str | None:
    """The shortest dotted prefix of ``name`` that the spec lists as a metric of its own."""
    start = 0
    while (dot := name.find(".", start)) != -1:
        prefix = name[:dot]
        if describe(prefix).known:
            return prefix
        start = dot + 1
    return None


def _container(field: str, epoch: int | None) -> str:
    return (
        f"field {field!r} is logged as a list or object, not a number{_at(epoch)}: "
        f"its parts are shown as {field}.…"
    )
