"""A reading as plain data (JSON, the session): where each answer was read, and what was read and not carried,
computed, not understood or not readable. The page and POST /import.json show the same."""

from decisions.setups.result import NotCarried, Reading, Source


def source_data(source: Source) -> dict:
    """Where something was read: as a sentence, and as its file, line and text as written."""
    return {"shown": str(source), "file": source.file, "line": source.line, "text": source.text, "note": source.note}


def reading_data(reading: Reading, left_out: tuple[NotCarried, ...]) -> dict:
    """Everything `reading` tells, with the settings the share link left out (decisions.setups.share) among those
    not carried."""
    left_out_at = {item.source for item in left_out}
    return {
        "answers": dict(reading.answers),
        "sources": {key: source_data(source) for key, source in reading.sources.items()},
        "settings": [
            {
                "setting": item.key,
                "value": _shown(item.value),
                "option": item.source_name,
                "source": source_data(item.source),
            }
            for item in reading.settings
            if item.source not in left_out_at
        ],
        "not_carried": [
            {"setting": item.name, "value": item.value, "why": item.why, "source": source_data(item.source)}
            for item in (*reading.not_carried, *left_out)
        ],
        "computed": [
            {"setting": item.name, "expression": item.expression, "source": source_data(item.source)}
            for item in reading.computed
        ],
        "not_understood": [
            {"setting": item.name, "why": item.why, "source": source_data(item.source)}
            for item in reading.not_understood
        ],
        "problems": [
            {"file": item.file, "line": item.line or None, "message": item.message, "shown": str(item)}
            for item in reading.problems
        ],
    }


def _shown(value: int | float | tuple[str, str]) -> str:
    return "=".join(value) if isinstance(value, tuple) else str(value)
