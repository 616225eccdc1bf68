"""Screen-name uniqueness: the same after NFKC case folding, or confusable by the Unicode UTS #39 skeleton.

Two names are one name when their case-folded keys match (accounts.screen_name_key),
or when their skeletons match: "pаypal" with a Cyrillic "а", or "rnario" and
"mario", look alike and are taken together.

Why a table of our own and not a library: the skeleton needs the prototype
of each character from Unicode's confusables.txt, and no package on PyPI
(checked in December 2026) fits. PyICU 2.17 wraps ICU's SpoofChecker, the
reference implementation, but ships no wheels and needs the ICU headers to
build. `confusable-homoglyphs` 3.3.1 keeps only symmetric groups of
look-alikes, without the prototype a skeleton maps to. `confusables` 1.2.0
(2021) returns every possible spelling rather than one skeleton, and
installs a top-level `tests` package that would clash with ours. So
confusables_data.py carries the mapping from Unicode 13.0's confusables.txt,
and skeleton() applies it as UTS #39 section 4 describes.
"""

from __future__ import annotations

import functools
import unicodedata
import uuid

from server.db import account_changes as db
from server.domain import confusables_data
from server.errors import AlreadyExists

SCREEN_NAME_TAKEN = "this screen name is taken, or looks the same as one that is"


@functools.cache
def _prototypes() -> dict[str, str]:
    table = {}
    for line in confusables_data.MAPPING.splitlines():
        if not line:
            continue
        source, *target = line.split()
        table[chr(int(source, 16))] = "".join(chr(int(point, 16)) for point in target)
    return table


def skeleton(key: str) -> str:
    """Return the UTS #39 skeleton of a case-folded screen-name key.

    UTS #39 defines skeleton(X) as NFD(X), each character replaced by its
    prototype, then NFD again. Some prototypes are capitals (Cherokee
    letters map to Latin capitals) while keys are case-folded. So the result
    is folded again, and the mapping repeats until nothing changes, for at
    most four rounds.
    """
    prototypes = _prototypes()
    text = unicodedata.normalize("NFD", key)
    for _ in range(4):
        mapped = "".join(prototypes.get(ch, ch) for ch in text)
        mapped = unicodedata.normalize("NFD", mapped.casefold())
        if mapped == text:
            break
        text = mapped
    return text


async def check_free(conn, key: str, *, user_id: uuid.UUID | None = None) -> str:
    """Raise AlreadyExists when an account other than `user_id` has this key or its skeleton; return the skeleton."""
    name_skeleton = skeleton(key)
    if await db.screen_name_taken(conn, key, name_skeleton, user_id):
        raise AlreadyExists(SCREEN_NAME_TAKEN, reason="SCREEN_NAME_TAKEN")
    return name_skeleton


async def store_skeleton(conn, user_id: uuid.UUID, key: str) -> None:
    """Store the skeleton of a new account's name; a concurrent look-alike raises users_screen_name_skeleton_uq."""
    await db.set_skeleton(conn, user_id, skeleton(key))
