"""Authentication users, authorisation roles and location roots for the Thrift server."""
