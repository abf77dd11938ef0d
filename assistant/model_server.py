"""llama.cpp's OpenAI-compatible server on the CPU variant this machine runs.

    python -m assistant.model_server --model MODEL.gguf --n_ctx 8192 --port 8080

The same arguments as `python -m llama_cpp.server`, which on the portable build has no CPU
backend of its own to load: this picks the variant first (assistant/backend.py), then runs it.
"""

import runpy

from assistant import backend

if __name__ == "__main__":
    backend.ensure()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
