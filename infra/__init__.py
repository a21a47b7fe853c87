"""The engine: targets, template deploy, packaging, and the compute plane (infra.compute)."""
