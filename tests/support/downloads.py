"""A bundle downloaded through the site as a user downloads it, and unpacked into a folder as a user unzips it."""

import io
import zipfile
from pathlib import Path
from urllib.parse import urlencode


def downloaded_bundle(client, features: dict[str, str], port: int) -> tuple[dict, dict[str, str]]:
    """/recommend.json's result and the files of /recommend/bundle.zip, unpacked from its one folder."""
    query = urlencode(features | {"cores": 1, "host": "127.0.0.1", "port": port})
    result = client.get(f"/recommend.json?{query}").json()
    response = client.get(result["bundle_url"])
    assert response.status_code == 200, response.content
    folder = f"serverwise-{result['recommended']}/"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        files = {name.removeprefix(folder): archive.read(name).decode() for name in archive.namelist()}
    return result, files


def unpack(files: dict[str, str], folder: Path) -> None:
    """The bundle's files in `folder`, as a user unzips them (docs/decisions/ holds the decision record)."""
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
