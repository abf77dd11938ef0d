"""The chat page on the shipped defaults: `python app.py` (as `reflect serve`) or `gradio app.py`.

`demo` is at module level because Gradio's own tools and hosting conventions look for it.
"""

import logging
import sys

from assistant.config import Settings
from assistant.service import build_assistant
from assistant.ui import build_ui, launch

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
assistant = build_assistant(Settings(), progress=True)
assistant.prepare(lambda message: print(message, file=sys.stderr, flush=True))
demo = build_ui(assistant)

if __name__ == "__main__":
    launch(assistant, demo=demo)
