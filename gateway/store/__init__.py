"""Storage: engines, row models, the audit chain and its batched writers, migrations."""
