"""Image hashes: formats, the server-side reference hashers, the hash bank and its partner API."""
