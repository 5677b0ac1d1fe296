"""garcon 1.1.1's helpers: the key of a dict of generator values, and throttling."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from hashlib import sha1
from typing import Any


def create_dictionary_key(dictionary: dict) -> str:
    """The SHA-1 (hex) of a non-empty dict's items, sorted by key and written
    `'key':'value';`: the tail of an activity instance's id (see `activity.instance_ids`)."""
    if not isinstance(dictionary, dict):
        raise TypeError(f"create_dictionary_key takes a dict, not {type(dictionary).__name__}")
    if not dictionary:
        raise ValueError("create_dictionary_key needs a non-empty dict")
    return dictionary_keys((dictionary,))[0]


def dictionary_keys(dictionaries: Iterable[Mapping[str, Any]]) -> list[str | None]:
    """`create_dictionary_key` of each dict (None for an empty one), all at once: the decider
    works out the key of every instance of an activity, thousands at a time."""
    dictionaries = dictionaries if isinstance(dictionaries, list) else list(dictionaries)
    if set(map(len, dictionaries)) == {1}:  # one generator, the common case: nothing to sort
        texts: list[str | None] = [f"'{key}':'{value}';" for dictionary in dictionaries
                                   for key, value in dictionary.items()]
    else:
        texts = ["".join([f"'{key}':'{value}';" for key, value in sorted(dictionary.items())])
                 if dictionary else None for dictionary in dictionaries]
    return [None if text is None else sha1(text.encode()).hexdigest() for text in texts]


def non_throttle_error(exception: BaseException) -> bool:
    """Whether an error is anything but SWF throttling (the give-up test of a retry)."""
    # garcon.worker imports garcon.activity, which imports this module: import it late.
    from garcon.worker.polling import THROTTLING_CODES, error_code

    return error_code(exception) not in THROTTLING_CODES


def throttle_backoff_handler(details: dict[str, Any]) -> None:
    """Log a retry after throttling on the logger of the object retrying (`details['args'][0]`),
    as the `backoff` library calls its handlers."""
    details["args"][0].logger.info(
        "Throttle Exception occurred on try {}. Sleeping for {} seconds".format(
            details["tries"], details["wait"]))
