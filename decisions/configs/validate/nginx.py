"""nginx: a site through nginx -t, included in a minimal nginx.conf as Debian's includes sites-enabled/."""

from pathlib import Path

from decisions.configs.validate.checks import Check, executable, output

# What Debian's /etc/nginx/nginx.conf gives a site in sites-enabled/: relative includes resolve against /etc/nginx.
DEBIAN_NGINX_FILES = ("mime.types", "proxy_params", "uwsgi_params", "fastcgi_params", "fastcgi.conf", "scgi_params")
NGINX_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # Debian's are under /var/lib/nginx


def check_file(check: Check, filename: str, content: str, app: str | None) -> None:
    nginx = executable("nginx")
    site = check.write(filename, check.with_throwaway_tls(content))
    for name in DEBIAN_NGINX_FILES:
        if Path("/etc/nginx", name).exists():
            (check.folder / name).symlink_to(Path("/etc/nginx", name))
    temp = check.folder / "nginx-temp"
    temp.mkdir()
    mime_types = "include mime.types;" if (check.folder / "mime.types").exists() else ""
    temp_paths = "".join(f"    {kind}_temp_path {temp}/{kind};\n" for kind in NGINX_TEMP_PATHS)
    wrapper = check.write(
        "serverwise-nginx.conf",
        f"pid {check.folder}/nginx.pid;\nevents {{}}\nhttp {{\n    {mime_types}\n{temp_paths}    include {site};\n}}\n",
    )
    check.note("checked inside a minimal nginx.conf (events {} and http { include <this site>; })")
    result = check.run([nginx, "-t", "-e", check.folder / "error.log", "-p", f"{check.folder}/", "-c", wrapper])
    success = ("syntax is ok", "test is successful")
    said = [line for line in output(result).splitlines() if not line.endswith(success)]
    if result.returncode or said:  # a [warn] fails too: a starter config should not need one
        check.problem("\n".join(said) or f"nginx -t failed with exit status {result.returncode}")
