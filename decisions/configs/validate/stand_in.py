"""A stand-in for the user's app: programs/wsgi_app.py or asgi_app.py, importable at the app's import path."""

import re

from decisions.configs.validate.checks import PROGRAMS

APP_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\(\))?)?")


def stand_in_app(app_path: str, interface: str = "wsgi") -> dict[str, str]:
    """Files that make `package.module:name` importable as a WSGI or ASGI app answering 200 "ok"."""
    if not APP_PATH.fullmatch(app_path):
        raise ValueError(f"{app_path!r} is not an import path like package.module:app")
    module, _, attribute = app_path.partition(":")
    name = (attribute or "application").removesuffix("()")
    body = (PROGRAMS / ("asgi_app.py" if interface == "asgi" else "wsgi_app.py")).read_text().rstrip("\n")
    if attribute.endswith("()"):
        body += f"\n\ndef {name}():\n    return _app\n"
    else:
        body += f"\n\n{name} = _app\n"
    parts = module.split(".")
    files = {"/".join(parts[:depth]) + "/__init__.py": "" for depth in range(1, len(parts))}
    files["/".join(parts) + ".py"] = body
    return files
