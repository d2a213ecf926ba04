"""The displays router alone, for tests that need no core server (pages against a scripted stream)."""

from fastapi import FastAPI

from displays import pages


def make() -> FastAPI:
    app = FastAPI()
    app.include_router(pages.router)
    return app
