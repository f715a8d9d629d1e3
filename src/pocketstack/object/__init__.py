"""Object storage (the Swift v1 API): accounts, containers and objects, listed from an
index in the cloud's database, their bytes in a backend (files under the data dir)."""
