"""A reading's answers and settings as the share link's query: what /import redirects to, so the link reproduces the
bundle. A setting the link cannot carry (out of its bounds, a value that could break a file, workers and threads,
which `cores` sizes) is listed as not carried, with why."""

from urllib.parse import urlencode

from decisions.answers import ENV, MIGRATED_FROM, NUMBER_SETTINGS, STATIC, env_pair, static_pair
from decisions.setups.result import NotCarried, Reading, Setting
from decisions.setups.servers import SERVER_PROGRAMS

SIZED_BY_CORES = "sized by the new server's own rule from the cores answer, not copied"


def share_query(reading: Reading) -> tuple[str, tuple[NotCarried, ...]]:
    """The query string of the share link for `reading`, and the settings it leaves out."""
    pairs = list(reading.answers.items())
    numbers: dict[str, int] = {}
    static_prefixes, env_names = set(), set()
    carried, left_out = [], []
    for setting in reading.settings:
        why = _why_not(setting, numbers, static_prefixes, env_names)
        if why:
            left_out.append(NotCarried(setting.source_name, _shown(setting.value), why, setting.source))
        elif setting.key in NUMBER_SETTINGS:
            numbers[setting.key] = int(setting.value)
        else:
            name, value = _pair(setting)
            (static_prefixes if setting.key == STATIC else env_names).add(name)
            carried.append((setting.key, f"{name}={value}"))
    pairs += [(key, str(numbers[key])) for key in NUMBER_SETTINGS if key in numbers]
    pairs += sorted(carried, key=lambda pair: pair[0] != STATIC)  # static first, then env, each in reading order
    if reading.server in SERVER_PROGRAMS:
        pairs.append((MIGRATED_FROM, reading.server))
    return urlencode(pairs), tuple(left_out)


def _why_not(setting: Setting, numbers: dict[str, int], prefixes: set[str], names: set[str]) -> str:
    key, value = setting.key, setting.value
    if key in NUMBER_SETTINGS:
        low, high = NUMBER_SETTINGS[key]
        if not isinstance(value, int) or not low <= value <= high:
            return f"{key} {_shown(value)} is outside what Serverwise writes: a whole number from {low} to {high}"
        if key in numbers:
            return f"{key} is set twice; the first, {numbers[key]}, is carried"
        return ""
    if key in (STATIC, ENV):
        pair = _pair(setting)
        if pair is None:
            return (
                "a static prefix must be a URL path other than / and the directory a plain path"
                if key == STATIC
                else "the name must be a shell identifier other than PATH, and the value free of quotes, $, %, ;,"
                " #, backslashes and control characters, which could break a config file"
            )
        if pair[0] in (prefixes if key == STATIC else names):
            return f"{pair[0]} is set twice; the first is carried"
        return ""
    return SIZED_BY_CORES


def _pair(setting: Setting) -> tuple[str, str] | None:
    """A static or env setting as the share link takes it (a static prefix ends in /), or None when it cannot."""
    return (static_pair if setting.key == STATIC else env_pair)("=".join(setting.value))


def _shown(value: int | float | tuple[str, str]) -> str:
    return "=".join(value) if isinstance(value, tuple) else str(value)
