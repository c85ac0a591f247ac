"""Where the settings modules read from: the checkout's directories and the environment (with a
.env file, if any). Shared by base.py and the modules it imports (security, search, api)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
