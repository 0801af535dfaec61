"""Typosquat and confusable-name detection against the bundled popularity list.

A name is compared with the popular names in several normalised forms:

- PEP 503 name, its *compact* form (separators removed: ``discord-py`` ~ ``discordpy``) and
  its *skeleton* (confusable characters folded: ``0``->``o``, ``1``/``i``->``l``, ``rn``->``m``);
- restricted Damerau-Levenshtein (OSA) distance on the compact form, computed by rapidfuzz
  over all popular names at once, with a keyboard-adjacency bonus;
- affixes people and attackers add (``python-``, ``py``, ``-lib``, ``-sdk``, ``installer``...);
- combos of a popular name and another popular name or a generic word (``matplotlib-flask``,
  ``pandasrequest``), order swaps of multi-word names.

A popular name is never flagged (that keeps look-alikes that are themselves popular
quiet), and the imitated name must be clearly more popular than the tier the technique
requires: the looser the technique, the more famous the target must be.
"""

from __future__ import annotations

import bisect
import itertools
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from chainward.records import canonical_name

# how famous (rank at most) a target must be for each technique
_RANK_SEPARATOR = 3000
_RANK_HOMOGLYPH = 5000
_RANK_EDIT1 = 5000
_RANK_EDIT1_SHORT = 1000  # candidates of 4-5 characters
_RANK_EDIT1_EDGE = 1000  # slips on the first or last character
_RANK_EDIT1_WEAK = 1000
_RANK_EDIT1_WEAK_EDGE = 100
_RANK_EDIT1_WEAK_SHORT = 100  # 5-character names
_RANK_EDIT1_WEAK_LONG = 3000
_RANK_EDIT2 = 100
_RANK_AFFIX = 5000
_RANK_AFFIX_TYPO = 1000
_RANK_COMBO = 3000
_RANK_ANAGRAM = 5000
_RANK_TRUNCATION = 3000

_MIN_EDIT1_LEN = 4
_MIN_EDIT2_LEN = 7

_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")

# Generic words attackers add to a popular name: as a separate word ("install-requests",
# "python3-flask", "stripe-client") or glued on ("urllib3loader", "pythonhttpx").
TOKEN_PREFIXES = (
    "python3",
    "python",
    "install",
    "print",
    "sys",
    "os",
    "req",
    "pip",
    "setup",
    "official",
    "fast",
)
TOKEN_SUFFIXES = (
    "py",
    "py3",
    "lib",
    "dev",
    "sdk",
    "api",
    "client",
    "installer",
    "install",
    "loader",
    "downloader",
    "os",
    "sys",
    "print",
    "req",
)
GLUED_PREFIXES = ("python3", "python", "install", "print", "easy")
GLUED_SUFFIXES = ("installer", "install", "loader", "downloader", "py", "python", "boost", "faster")
# First words of plugin ecosystems: "pytest-redis" is a plugin, not a combo attack. Derived
# from the popular list (hosts of at least this many popular names).
_PLUGIN_HOST_MIN = 30

_CONFUSABLES = (
    ("rn", "m"),
    ("vv", "w"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("3", "e"),
    ("5", "s"),
    ("4", "a"),
    ("@", "a"),
)


# Top-level standard-library modules: a distribution by that name is a classic squat ("urllib").
_STDLIB = frozenset(
    canonical_name(n) for n in sys.stdlib_module_names if not n.startswith("_") and len(n) >= 4
)


def compact(name: str) -> str:
    """The name with every separator removed."""
    return canonical_name(name).replace("-", "")


def skeleton(name: str) -> str:
    """The compact name with confusable characters folded together."""
    text = compact(name)
    for old, new in _CONFUSABLES:
        text = text.replace(old, new)
    return text


def _adjacent(a: str, b: str) -> bool:
    for row in _KEYBOARD_ROWS:
        i, j = row.find(a), row.find(b)
        if i >= 0 and j >= 0 and abs(i - j) == 1:
            return True
    for upper, lower in itertools.pairwise(_KEYBOARD_ROWS):
        i, j = upper.find(a), lower.find(b)
        if i < 0 or j < 0:
            i, j = upper.find(b), lower.find(a)
        if i >= 0 and j >= 0 and j - i in (-1, 0):
            return True
    return False


def _typing_slip(typed: str, meant: str) -> bool:
    """One edit that a hand on a keyboard makes: swap, neighbour key, doubled or dropped double."""
    if len(typed) == len(meant):
        diffs = [i for i, (x, y) in enumerate(zip(typed, meant, strict=True)) if x != y]
        if len(diffs) == 2:
            return True  # adjacent transposition (distance 1 under OSA)
        x, y = typed[diffs[0]], meant[diffs[0]]
        return _adjacent(x, y) or x.isdigit() != y.isdigit()
    longer, shorter = (typed, meant) if len(typed) > len(meant) else (meant, typed)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1 :] == shorter:
            neighbours = longer[i - 1 : i] + longer[i + 1 : i + 2]
            if longer[i] in neighbours:
                return True  # doubled letter typed, or a double letter typed once
            if any(_adjacent(longer[i], other) for other in neighbours):
                return True  # neighbouring key hit together with the right one
    return False


def _substitution(a: str, b: str) -> tuple[str, str] | None:
    """The one substituted character pair when ``a`` and ``b`` differ in exactly one place."""
    if len(a) != len(b):
        return None
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return diffs[0] if len(diffs) == 1 else None


@dataclass(frozen=True)
class NameMatch:
    """``name`` looks like the more popular ``imitates``; ``score`` in 0..1."""

    name: str
    imitates: str
    technique: str
    score: float
    imitated_rank: int
    detail: str = ""


class TyposquatIndex:
    """Popular names prepared for fast look-alike queries."""

    def __init__(self, ranks: Mapping[str, int]) -> None:
        self.ranks: dict[str, int] = {canonical_name(n): r for n, r in ranks.items()}
        ordered = sorted(self.ranks.items(), key=lambda item: (item[1], item[0]))
        self._compact: dict[str, str] = {}
        self._skeleton: dict[str, str] = {}
        self._sorted_tokens: dict[tuple[str, ...], str] = {}
        for name, _rank in ordered:
            self._compact.setdefault(compact(name), name)
            self._skeleton.setdefault(skeleton(name), name)
            tokens = name.split("-")
            if len(tokens) > 1:
                self._sorted_tokens.setdefault(tuple(sorted(tokens)), name)
        self._keys = list(self._compact)
        self._sorted_keys = sorted(self._keys)
        self._stdlib_keys = sorted(n for n in _STDLIB if len(n) >= 6 and n not in self.ranks)
        self._famous_keys = [
            key for key, name in self._compact.items() if self.ranks[name] <= _RANK_COMBO
        ]
        self._famous = set(self._famous_keys)
        families: dict[str, int] = {}
        for name in self.ranks:
            head, sep, _ = name.partition("-")
            if sep:
                families[head] = families.get(head, 0) + 1
        # "django-", "pytest-", "types-": prefixes shared by many popular names
        self.plugin_hosts = frozenset(
            head for head, count in families.items() if count >= _PLUGIN_HOST_MIN
        )
        self._anagrams: dict[str, str] = {}
        for name, _rank in ordered:
            self._anagrams.setdefault("".join(sorted(compact(name))), name)

    def rank(self, name: str) -> int | None:
        return self.ranks.get(canonical_name(name))

    def is_popular(self, name: str) -> bool:
        return canonical_name(name) in self.ranks

    def check(self, name: str) -> NameMatch | None:
        """The best look-alike match for ``name``, or None when it looks like nothing popular."""
        canon = canonical_name(name)
        if canon in self.ranks or len(compact(canon)) < 3:
            return None
        if canon in _STDLIB:
            return NameMatch(canon, canon, "stdlib", 0.8, 0, "name of a standard-library module")
        for method in (
            self._plural,
            self._separator,
            self._homoglyph,
            self._order_swap,
            self._edit,
            self._affix,
            self._combo,
        ):
            match = method(canon)
            if match is not None:
                return match
        return None

    # -- techniques -----------------------------------------------------------------

    def _match(
        self, name: str, target: str, technique: str, score: float, detail: str = ""
    ) -> NameMatch:
        return NameMatch(name, target, technique, round(score, 2), self.ranks[target], detail)

    def _popular_by_compact(self, key: str, max_rank: int) -> str | None:
        target = self._compact.get(key)
        if target is not None and self.ranks[target] <= max_rank:
            return target
        return None

    def _plural(self, name: str) -> NameMatch | None:
        if not name.endswith("s") or len(name) < 6:
            return None
        stem = name[:-2] if name.endswith("es") and name[:-2] in self.ranks else name[:-1]
        target = self.ranks.get(stem)
        if target is None or target > _RANK_EDIT1:
            return None
        return self._match(name, stem, "plural", 0.85, "plural of a popular name")

    def _separator(self, name: str) -> NameMatch | None:
        target = self._popular_by_compact(compact(name), _RANK_SEPARATOR)
        if target is None or target == name:
            return None
        return self._match(name, target, "separator", 0.95, f"{name!r} differs only in separators")

    def _homoglyph(self, name: str) -> NameMatch | None:
        target = self._skeleton.get(skeleton(name))
        if len(compact(name)) < 5:
            return None
        if target is None or target == name or self.ranks[target] > _RANK_HOMOGLYPH:
            return None
        return self._match(
            name, target, "homoglyph", 0.95, "confusable characters (0/o, 1/l, rn/m)"
        )

    def _order_swap(self, name: str) -> NameMatch | None:
        tokens = name.split("-")
        if len(tokens) < 2:
            return None
        target = self._sorted_tokens.get(tuple(sorted(tokens)))
        if target is None or target == name:
            return None
        return self._match(name, target, "order-swap", 0.9, "the words of a popular name reordered")

    def _nearest(self, key: str, max_distance: int, keys: list[str]) -> list[tuple[str, int]]:
        pool = self._length_window(keys, len(key), max_distance)
        found = process.extract(key, pool, scorer=OSA.distance, score_cutoff=max_distance, limit=8)
        return [(choice, int(distance)) for choice, distance, _ in found if distance > 0]

    def _length_window(self, keys: list[str], length: int, max_distance: int) -> list[str]:
        """The keys whose length is within ``max_distance`` of ``length``, in their original
        order (an edit distance can never be below the length difference, so the others
        cannot match; keeping the order keeps rapidfuzz's tie-breaking identical)."""
        cache: dict[tuple[int, int, int], list[str]] = self.__dict__.setdefault("_windows", {})
        slot = (id(keys), length, max_distance)
        window = cache.get(slot)
        if window is None:
            window = [k for k in keys if abs(len(k) - length) <= max_distance]
            cache[slot] = window
        return window

    def _edit(self, name: str) -> NameMatch | None:
        key = compact(name)
        if len(key) < _MIN_EDIT1_LEN:
            return None
        best: NameMatch | None = None
        for choice, distance in self._nearest(key, 2, self._keys):
            target = self._compact[choice]
            rank = self.ranks[target]
            if distance == 1:
                strong = _typing_slip(key, choice)
                swapped = len(key) == len(choice) and sorted(key) == sorted(choice)
                at_edge = not swapped and (key[0] != choice[0] or key[-1] != choice[-1])
                if strong:
                    limit = _RANK_EDIT1 if min(len(key), len(choice)) >= 6 else _RANK_EDIT1_SHORT
                    if at_edge:
                        limit = min(limit, _RANK_EDIT1_EDGE)
                elif len(key) >= 10:
                    limit = _RANK_EDIT1_WEAK_LONG
                else:
                    limit = _RANK_EDIT1_WEAK if len(key) >= 6 else _RANK_EDIT1_WEAK_SHORT
                    if at_edge:
                        limit = min(limit, _RANK_EDIT1_WEAK_EDGE)
                if rank > limit:
                    continue
                score = 0.9 if strong else 0.8
                detail = "one typing slip away" if strong else "one edit away"
            else:
                if rank > _RANK_EDIT2 or min(len(key), len(choice)) < _MIN_EDIT2_LEN:
                    continue
                score, detail = 0.75, "two edits away"
            match = self._match(name, target, "typo", score, detail)
            if best is None or (match.score, -match.imitated_rank) > (
                best.score,
                -best.imitated_rank,
            ):
                best = match
        if best is None and len(key) >= 6:
            for choice, _distance in self._nearest(key, 1, self._stdlib_keys):
                if key[0] == choice[0] and key[-1] == choice[-1] and _typing_slip(key, choice):
                    detail = "one typing slip from a standard-library module"
                    return NameMatch(name, choice, "typo", 0.8, 0, detail)
        if best is not None:
            return best
        if len(key) >= 7:
            anagram = self._anagrams.get("".join(sorted(key)))
            if anagram is not None and anagram != name and self.ranks[anagram] <= _RANK_ANAGRAM:
                return self._match(
                    name, anagram, "typo", 0.85, "the letters of a popular name reordered"
                )
        if len(key) >= 10:
            at = bisect.bisect_left(self._sorted_keys, key)
            while at < len(self._sorted_keys) and self._sorted_keys[at].startswith(key):
                choice = self._sorted_keys[at]
                target = self._compact[choice]
                at += 1
                if len(key) >= 0.75 * len(choice) and self.ranks[target] <= _RANK_TRUNCATION:
                    return self._match(name, target, "typo", 0.75, "a popular name cut short")
        return None

    def _strip_affixes(self, name: str) -> Iterable[tuple[str, str]]:
        """(remainder, affix) pairs: the name without one generic prefix or suffix."""
        tokens = name.split("-")
        if len(tokens) > 1:
            if tokens[0] in TOKEN_PREFIXES:
                yield "-".join(tokens[1:]), tokens[0] + "-"
            if tokens[-1] in TOKEN_SUFFIXES:
                yield "-".join(tokens[:-1]), "-" + tokens[-1]
        key = compact(name)
        for prefix in GLUED_PREFIXES:
            glued = name.startswith(prefix) and not name.startswith(f"{prefix}-")
            if glued and len(key) - len(prefix) >= 4:
                yield key[len(prefix) :], prefix
        for suffix in GLUED_SUFFIXES:
            if name.endswith(f"-{suffix}"):
                continue
            if key.endswith(suffix) and len(key) - len(suffix) >= 4:
                yield key[: -len(suffix)], suffix

    def _affix(self, name: str) -> NameMatch | None:
        for remainder, affix in self._strip_affixes(name):
            if len(remainder) >= 6 and remainder in _STDLIB and remainder not in self.ranks:
                detail = f"standard-library module name with {affix!r}"
                return NameMatch(name, remainder, "affix", 0.75, 0, detail)
            target = self._popular_by_compact(compact(remainder), _RANK_AFFIX)
            if target is not None and target != name:
                return self._match(name, target, "affix", 0.8, f"popular name with {affix!r}")
        return None

    def _famous_alias(self, key: str) -> str | None:
        """A popular name that is a famous one under another spelling ("pytorch", "panda")."""
        if len(key) < 6 or key not in self._compact:
            return None
        at = bisect.bisect_left(self._sorted_keys, key)
        while at < len(self._sorted_keys) and self._sorted_keys[at].startswith(key):
            if self._sorted_keys[at] != key and self._sorted_keys[at] in self._famous:
                return self._compact[key]
            at += 1
        for cut in range(2, len(key) - 3):
            if key[cut:] in self._famous:
                return self._compact[key]
        return None

    def _famous_part(self, key: str, allow_typo: bool) -> str | None:
        if key in self._famous:
            return self._compact[key]
        if allow_typo and len(key) >= 6:
            near = self._nearest(key, 1, self._famous_keys)
            if near:
                return self._compact[near[0][0]]
        return None

    def _combo(self, name: str) -> NameMatch | None:
        tokens = name.split("-")
        # token groups: popular multi-word names count as one part ("scikit-learn")
        for i in range(1, len(tokens)):
            if tokens[0] in self.plugin_hosts:
                break
            left, right = "-".join(tokens[:i]), "-".join(tokens[i:])
            a = self._famous_part(compact(left), allow_typo=False)
            b = self._famous_part(compact(right), allow_typo=False)
            if (a is None) != (b is None):
                other = compact(right if b is None else left)
                alias = self._famous_alias(other)
                a, b = a or alias, b or alias
            if a and b and len(compact(left)) >= 4 and len(compact(right)) >= 4:
                target = a if self.ranks[a] <= self.ranks[b] else b
                return self._match(name, target, "combo", 0.8, f"glues {a!r} and {b!r}")
        key = compact(name)
        if len(tokens) == 1 and len(key) >= 9:
            for cut in range(4, len(key) - 3):
                left, right = key[:cut], key[cut:]
                a = self._famous_part(left, allow_typo=False)
                b = self._famous_part(right, allow_typo=a is not None)
                if a is None and b is not None:
                    a = self._famous_part(left, allow_typo=True) or self._famous_alias(left)
                if a and b:
                    target = a if self.ranks[a] <= self.ranks[b] else b
                    return self._match(name, target, "combo", 0.8, f"glues {a!r} and {b!r}")
        return None


__all__ = [
    "GLUED_PREFIXES",
    "GLUED_SUFFIXES",
    "TOKEN_PREFIXES",
    "TOKEN_SUFFIXES",
    "NameMatch",
    "TyposquatIndex",
    "compact",
    "skeleton",
]
