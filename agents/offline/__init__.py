"""The offline planner: rules that understand a caller without a language model (also the fallback)."""
