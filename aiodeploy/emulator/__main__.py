"""``python -m aiodeploy.emulator``: serve the emulator until Ctrl-C."""

from __future__ import annotations

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
