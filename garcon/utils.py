"""garcon 1.1.1's helpers: the key of a dict of generator values, and throttling."""
from __future__ import annotations

from hashlib import sha1
from typing import Any


def create_dictionary_key(dictionary: dict) -> str:
    """The SHA-1 (hex) of a non-empty dict's items, sorted by key and written
    `'key':'value';`: the tail of an activity instance's id (see `activity.instance_ids`)."""
    if not isinstance(dictionary, dict):
        raise TypeError(f"create_dictionary_key takes a dict, not {type(dictionary).__name__}")
    if not dictionary:
        raise ValueError("create_dictionary_key needs a non-empty dict")
    if len(dictionary) == 1:  # one generator, the common case: nothing to sort
        ((key, value),) = dictionary.items()
        text = f"'{key}':'{value}';"
    else:
        text = "".join([f"'{key}':'{value}';" for key, value in sorted(dictionary.items())])
    return sha1(text.encode()).hexdigest()


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
