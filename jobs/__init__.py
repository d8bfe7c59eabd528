"""Entry points and IO: CLI, SparkSession, readers/writers, landing, manifests, loaders."""
