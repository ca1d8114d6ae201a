"""Where the bundle's files put things on the user's machines: one place for the render and the validators."""

CERT_PATH = "/etc/ssl/serverwise/cert.pem"
KEY_PATH = "/etc/ssl/serverwise/key.pem"
VM_APP_DIR = "/srv/app"
VM_VENV = "/srv/app/.venv"
IMAGE_APP_DIR = "/app"
