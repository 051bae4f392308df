"""The engine core: criteria model, plan, methods API, engine and explanations. No I/O here."""
