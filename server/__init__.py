"""Origin: an open backend for pinball arcades."""
