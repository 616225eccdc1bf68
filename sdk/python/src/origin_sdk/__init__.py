"""Origin SDK: the generated messages and stubs live in `origin.v1`; helpers live here."""
