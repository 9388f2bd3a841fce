"""ASGI entry point for uvicorn: ``xinyong.asgi:app``."""

import gc

from xinyong.app import create_app

app = create_app()

# Everything imported and built so far lives as long as the worker: move it out of the collector's
# reach, so a full (generation 2) collection no longer walks ~200,000 objects — about 90 ms with the
# worker stalled, which was the p99 of the check API (docs/benchmarks/check.md).
gc.freeze()
