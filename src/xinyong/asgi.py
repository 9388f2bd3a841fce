"""ASGI entry point for uvicorn: ``xinyong.asgi:app``."""

from xinyong.app import create_app

app = create_app()
