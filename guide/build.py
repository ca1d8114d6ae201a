"""BUILD_ID names this release of the code and templates, so ETags change when a deploy changes pages."""

import hashlib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _build_id() -> str:
    digest = hashlib.sha256()
    for folder in ("templates", "decisions", "static"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


BUILD_ID = _build_id()
