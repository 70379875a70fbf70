"""The service: FastAPI app, voice and chat edges, staff console, storage and audit chain, CLI."""
